"""Patch src/parser.c so that any word can be a module export name, as ECMAScript says.

tree-sitter-javascript 0.25.0 added reserved words (``reserved.global`` in grammar.js): in a
parse state with that set, ``if``/``null``/``function``... are lexed as keywords, never as
``identifier``.  ``_module_export_name`` (the names in ``export { a as if }``,
``import { null as n }``, ``export * as if``) uses ``identifier`` and so inherited the set,
though the spec's ModuleExportName is any IdentifierName.  The grammar-level fix is
``_module_export_name: $ => reserved('properties', choice($.identifier, $.string, 'default'))``
(``properties`` is the grammar's empty set, already used for property names); its effect on the
generated tables is that the parse states where such a name can start get no reserved-word set.

The tree-sitter CLI that would regenerate parser.c cannot be installed here (its npm package
downloads a binary at install time), so this script makes that change directly: it finds the
parse states whose lookaheads include ``_module_export_name`` -- tree-sitter's own answer, read
through ``Language.lookahead_iterator`` of the built grammar -- and drops
``.reserved_word_set_id`` from their ``ts_lex_modes`` entries.  Nothing else in parser.c moves;
the parse actions and the lookahead sets are untouched, so states are the same before and after
and the script is idempotent.  At run time a keyword in those states with no parse action there
(everything but ``default``) then falls back to ``identifier``, which is what 0.23 produced.

Run from the project root after ``pip install -e .`` (it reads the compiled grammar), then
reinstall to recompile::

    .venv/bin/python grammars/tree-sitter-javascript/unreserve_export_names.py
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

PARSER_C = Path(__file__).resolve().parent / "src" / "parser.c"
# sha256 of src/parser.c at tree-sitter-javascript v0.25.0, and the set those states had.
UPSTREAM_SHA256 = "67209ca7ef6e1a4f74e29e48b5928455f892fe1821a3960fbcd62f4e972f7384"
UPSTREAM_SET_ID = 1
MODULE_EXPORT_NAME = "_module_export_name"

_LEX_MODES = re.compile(
    r"static const TSLexerMode ts_lex_modes\[STATE_COUNT\] = \{\n(?P<body>.*?)\n\};", re.S
)
_ENTRY = re.compile(r"^  \[(?P<state>\d+)\] = \{(?P<fields>[^}]*)\},$", re.M)
_SET_FIELD = re.compile(r", \.reserved_word_set_id = \d+")


def module_name_states(language: object) -> list[int]:
    """Parse states from which a ``_module_export_name`` can be parsed, per tree-sitter."""
    from tree_sitter import Language

    assert isinstance(language, Language)
    return [state for state in range(language.parse_state_count)
            if MODULE_EXPORT_NAME in language.lookahead_iterator(state).names()]


def _rewrite(text: str, states: set[int], edit: object) -> str:
    match = _LEX_MODES.search(text)
    if match is None:
        raise ValueError("no ts_lex_modes table in parser.c")
    seen: set[int] = set()

    def entry(m: re.Match[str]) -> str:
        state = int(m["state"])
        if state not in states:
            return m[0]
        seen.add(state)
        assert callable(edit)
        return f"  [{state}] = {{{edit(m['fields'])}}},"

    body = _ENTRY.sub(entry, match["body"])
    if seen != states:
        raise ValueError(f"states without a lex mode entry: {sorted(states - seen)}")
    return text[:match.start("body")] + body + text[match.end("body"):]


def unreserve(text: str, states: set[int]) -> str:
    """``text`` (parser.c) with no reserved-word set on the lex modes of ``states``."""
    return _rewrite(text, states, lambda fields: _SET_FIELD.sub("", fields))


def reserve(text: str, states: set[int], set_id: int = UPSTREAM_SET_ID) -> str:
    """The inverse of :func:`unreserve`: gives back upstream's parser.c (checked by a test)."""
    return _rewrite(text, states, lambda fields: _SET_FIELD.sub("", fields)
                    + f", .reserved_word_set_id = {set_id}")


def sha256(text: str) -> str:
    """Hex digest of the file text, to compare with :data:`UPSTREAM_SHA256`."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def main() -> int:
    """Patch parser.c in place; report the states."""
    from tree_sitter import Language

    from shaker.js import _grammar

    states = module_name_states(Language(_grammar.language()))
    text = PARSER_C.read_text(encoding="utf-8")
    patched = unreserve(text, set(states))
    if sha256(reserve(patched, set(states))) != UPSTREAM_SHA256:
        print("warning: parser.c is not v0.25.0's plus this patch", file=sys.stderr)
    if patched != text:
        PARSER_C.write_text(patched, encoding="utf-8")
    print(f"module export name states: {states}; parser.c "
          f"{'patched' if patched != text else 'already patched'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
