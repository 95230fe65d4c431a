"""The literal-aware prefilter never hides an ``import.meta`` token.

Soundness is checked against tree-sitter: whenever ``may_use_import_meta`` answers False,
the tree has no ``import.meta`` (for inputs that parse).  Inputs: hand-written traps for
each boundary (regex or division, templates in templates, JSX, comments, hashbang), every
corpus input, and generated modules that hide ``import.meta`` in literals of every kind
between code that uses it or not.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus_format import corpus_entries
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from js_tree import parse, walk

from shaker.js.prefilter import may_use_import_meta

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def tree_uses_import_meta(code: str) -> bool | None:
    """Whether tree-sitter finds an ``import.meta`` other than a plain read of a name that
    is not ``hot`` or ``env`` (``import.meta.url``); None if the code does not parse."""
    root = parse(code).root_node
    if root.has_error:
        return None
    for node in walk(root):
        if node.type != "meta_property":
            continue
        parent = node.parent
        prop = parent.child_by_field_name("property") if parent is not None else None
        if parent is None or parent.type != "member_expression" or prop is None or (
                prop.type != "property_identifier"):
            return True
        name = (prop.text or b"").decode()
        if "\\" in name or name in ("hot", "env") or not name.isascii():
            return True
    return False


# (code, the answer expected from the prefilter)
CASES = [
    ('const s = "import.meta.hot";\n', False),
    ("const s = 'import.meta';\n// import.meta.hot\n/* import.meta */\n", False),
    ("const t = `import.meta ${'import.meta'} ${`import.meta`}`;\n", False),
    ("const t = `${import.meta.hot}`;\n", True),
    ("const t = `${ {a: `${import.meta.env}`}.a }`;\n", True),
    ("const r = /import.meta/;\n", False),
    ("const r = /[/]import.meta/g;\n", False),
    ("x = a / 2; y = b / import.meta.hot.data;\n", True),
    ("x = a / 2 / 'import.meta';\n", False),
    ("if (a) /'/.test(s); import.meta.hot;\n", True),
    ("x = (a) / 2; s = '/'; import.meta.hot;\n", True),
    ("x = f(a) / 2; s = 'import.meta';\n", False),
    ("while (x) /'/.exec(s); const s = 'import.meta';\n", False),
    ("return_ = a.return / 2; s = 'import.meta';\n", False),
    ("function f() { return /'/ } import.meta.hot;\n", True),
    ("x = a.b /* import.meta */ / 2;\n", False),
    ("#!/usr/bin/env node\nconst s = 'import.meta';\n", False),
    ("#!/usr/bin/env node\nimport.meta.hot;\n", True),
    ("const j = <p>Don't</p>; import.meta.hot; const y = 'x';\n", True),
    ("const j = <p>it's</p>;\nconst s = 'import.meta';\n", True),
    ("x = 1 <2 ? 'import.meta' : 0;\n", False),
    ("x = a << 2; y = b <= 3; s = 'import.meta';\n", False),
    ("x = a++ / 2; s = 'import.meta';\n", True),
    ("x = {} / 2; s = 'import.meta';\n", True),
    ("import\n  .meta.hot;\n", True),
    ("import/**/.meta.hot;\n", True),
    ("import\u00a0.meta.hot;\n", True),
    ("const s = 'unterminated\nimport.meta.hot;\n", True),
    ("const u = import.meta.url; const s = 'import.meta.hot';\n", False),
    ("new URL('./a', import.meta.url); import.meta.dirname;\n", False),
    ("const m = import.meta;\n", True),
    ("import.meta.env.DEV;\n", True),
    ("import.meta['url'];\n", True),
    ("import.meta.h\\u006ft;\n", True),
    ("import.meta.hotter;\n", False),
    ("x.import.meta.url;\n", False),
    ("function f(s) { return !/x/.test(s) }\nconst s = 'import.meta';\n", False),
    ("function f(s) { return !/'/.test(s) }\nimport.meta.hot;\n", True),
    ("const y = x! / 2; const s = 'import.meta'; // TypeScript's non-null\n", True),
]


@pytest.mark.parametrize(("code", "expected"), CASES)
def test_hand_written_traps(code: str, expected: bool) -> None:
    assert may_use_import_meta(code.encode()) is expected
    uses = tree_uses_import_meta(code)
    if uses:
        assert may_use_import_meta(code.encode())


def test_corpus_inputs_never_hide_import_meta() -> None:
    for entry in corpus_entries(CORPUS):
        code = entry.case.input
        if not may_use_import_meta(code.encode("utf-8", "surrogatepass")):
            assert not tree_uses_import_meta(code), entry.id


PIECES = [
    "import.meta.hot", "import.meta.url", "a / 2", "(a) / 2", "if (a) /x/.test(b)",
    "f(a) / b", "x = /re[/]/g", "'import.meta'", '"import.meta"', "`import.meta ${1}`",
    "`${import.meta.url}`", "`${`import.meta`}`", "// import.meta\n", "/* import.meta */",
    "/import.meta/", "a.return / 2", "return /'/", "<p>x</p>", "a < b", "a << b", "'/*'",
    '"//"', "`/`", "/'/", "/`/", "{}", "x++", "1.5 / 2", "a?.b", "\n", ";", " ", "(", ")",
    "{", "}", "'", "`", "/",
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=14))
def test_generated_code_never_hides_import_meta(pieces: list[str]) -> None:
    code = " ".join(pieces) + "\n"
    if tree_uses_import_meta(code):
        assert may_use_import_meta(code.encode()), code
