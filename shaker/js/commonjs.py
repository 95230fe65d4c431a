"""What a CommonJS module needs from its host: which ``require`` calls it makes, and which
Node globals it reads.

Pure: a parsed tree in, facts out.  A module counts as CommonJS when it has no ESM syntax
(no ``import``/``export`` declaration, no ``import.meta``, no ``import()``) and reads
``require``, ``module`` or ``exports`` without declaring them, which is Vite's test.  Only
``require("literal")`` calls can be followed; a call inside a ``try`` block is *guarded*: when
it resolves to nothing the host may give it a stub that throws, as Node would at run time.

>>> from shaker.source import Source
>>> from shaker.js.parse import parse
>>> def facts(code):
...     source = Source("m.js", code.encode())
...     return analyze_commonjs(parse(source), source.code)
>>> f = facts("var a = require('./a'); try { require('opt') } catch (e) {}\\nmodule.exports = a")
>>> f.is_commonjs, [(r.specifier, r.guarded) for r in f.requires]
(True, [('./a', False), ('opt', True)])
>>> facts("function require(x) {} require('./a')").is_commonjs
False
>>> facts("export const a = require('./a')").is_commonjs
False
>>> sorted(facts("process.env.X; global.y; exports.z = 1").free_globals)
['global', 'process']
"""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node, Tree

from shaker.js.queries import captures
from shaker.js.scope import Scopes, is_declaration_site

_MODULE_NAMES = ("require", "module", "exports")
NODE_GLOBALS = ("process", "global", "Buffer", "__filename", "__dirname", "setImmediate")
"""Names Node provides and browsers do not; the host shims the ones a module reads."""
_ESM_TYPES = frozenset({"import_statement", "export_statement"})


@dataclass(frozen=True)
class Require:
    """``require("specifier")``: the call's byte range, and whether a ``try`` guards it."""

    specifier: str
    start: int
    end: int
    guarded: bool


@dataclass(frozen=True)
class CommonJsFacts:
    is_commonjs: bool
    requires: tuple[Require, ...] = ()
    free_globals: frozenset[str] = frozenset()


def analyze_commonjs(tree: Tree, code: bytes) -> CommonJsFacts:
    """Facts about ``tree`` (parsed from ``code``) as a CommonJS module."""
    root = tree.root_node
    if any(child.type in _ESM_TYPES for child in root.named_children) or _has_esm_expression(
            code, root):
        return CommonJsFacts(False)
    scopes = Scopes(tree, code)
    uses_module = False
    for name in _MODULE_NAMES:
        if any(_free(scopes, node) for node in scopes.occurrences(name, root)):
            uses_module = True
            break
    if not uses_module:
        return CommonJsFacts(False)
    requires = []
    for node in scopes.occurrences("require", root):
        call = node.parent
        if call is None or call.type != "call_expression" or call.child_by_field_name(
                "function") != node or not _free(scopes, node):
            continue
        arguments = call.child_by_field_name("arguments")
        args = arguments.named_children if arguments is not None else []
        if len(args) == 1 and args[0].type == "string":
            text = _string(args[0])
            if text is not None:
                requires.append(Require(text, call.start_byte, call.end_byte, _in_try(call)))
    free = frozenset(name for name in NODE_GLOBALS
                     if any(_free(scopes, n) for n in scopes.occurrences(name, root)))
    return CommonJsFacts(True, tuple(requires), free)


def _has_esm_expression(code: bytes, root: Node) -> bool:
    """``import.meta`` or ``import(...)`` anywhere: the module is ESM (a byte check first)."""
    if b"import" not in code:
        return False
    found = captures("esm_syntax", root).get("esm", ())
    return any(node.type == "import" or (node.text or b"").startswith(b"import")
               for node in found)


def _free(scopes: Scopes, ident: Node) -> bool:
    """A read of a name nothing in the module declares."""
    return not is_declaration_site(ident) and scopes.resolve(ident) is None


def _in_try(node: Node) -> bool:
    child, parent = node, node.parent
    while parent is not None:
        if parent.type == "try_statement" and parent.child_by_field_name("body") == child:
            return True
        if parent.type in ("function_declaration", "function_expression", "arrow_function",
                           "method_definition", "generator_function_declaration"):
            return False
        child, parent = parent, parent.parent
    return False


def _string(node: Node) -> str | None:
    """A plain string literal's value (escapes make it unfollowable: None)."""
    parts = [c for c in node.named_children if c.type != "string_fragment"]
    if parts:
        return None
    return "".join((c.text or b"").decode() for c in node.named_children)


__all__ = ["NODE_GLOBALS", "CommonJsFacts", "Require", "analyze_commonjs"]
