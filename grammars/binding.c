/* shaker.js._grammar: the JavaScript grammar built from grammars/tree-sitter-javascript.
 *
 * Same interface as the tree_sitter_javascript wheel's binding: language() returns a capsule
 * for tree_sitter.Language().  See grammars/README.md for why shaker builds its own copy. */
#include <Python.h>

typedef struct TSLanguage TSLanguage;

TSLanguage *tree_sitter_javascript(void);

static PyObject *language(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(args)) {
    return PyCapsule_New(tree_sitter_javascript(), "tree_sitter.Language", NULL);
}

static struct PyModuleDef_Slot slots[] = {
#ifdef Py_GIL_DISABLED
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL}
};

static PyMethodDef methods[] = {
    {"language", language, METH_NOARGS,
     "The tree-sitter language pointer (a capsule) for tree_sitter.Language()."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "_grammar",
    .m_doc = NULL,
    .m_size = 0,
    .m_methods = methods,
    .m_slots = slots,
};

PyMODINIT_FUNC PyInit__grammar(void) {
    return PyModuleDef_Init(&module);
}
