"""Properties of the transform over the corpus and over generated modules.

(a) production output is a fixed point: transforming it again changes nothing;
(b) output parses without errors whenever the input did;
(c) text that cannot mention `import.meta` comes back unchanged;
(d) generated modules behave the same under node before and after (the oracle of
    ``node_oracle.py``), with no `import.meta.hot` left.

Generated modules combine statement templates (hot blocks, guards, aliases, `var` in hot blocks,
logging statements, functions, imports of ``./dep.js``, ASI hazards; aliases read in their
temporal dead zone, `switch` on a folding discriminant, `delete import.meta.hot`, exported and
destructured aliases with defaults and nested patterns, escaped names, sequences in conditions,
writes to aliases through patterns and loop heads) in random order, optionally without
semicolons, some nested in blocks or called functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from corpus_format import Entry, corpus_entries
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from js_tree import hot_references, syntax_errors
from node_oracle import NODE, Pair, explain, run_pairs

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
USABLE = [
    entry
    for entry in corpus_entries(CORPUS)
    if not entry.case.flag("error") and not entry.case.flag("skip")
]
PRODUCTION = [entry for entry in USABLE if entry.mode == "production"]


def transform(source: str, mode: str = "production") -> Any:
    """``shaker.transform`` with default options."""
    import shaker

    return shaker.transform(source, filename="generated.js", mode=mode, url="/generated.js")


# --- generated modules ------------------------------------------------------------------------

# `{i}` is a number unique in the module; `$` ends a statement (";" or "" for the whole module).
HOT_TEMPLATES = (
    "if (import.meta.hot) {\n  devOnly({i})$\n}",
    "if (import.meta.hot) {\n  devOnly({i})$\n} else {\n  prodOnly({i})$\n}",
    "if (!import.meta.hot) prodOnly({i})$",
    "import.meta.hot?.accept(() => devOnly({i}))$",
    "import.meta.hot && devOnly({i})$",
    "import.meta.hot?.dispose(() => {})$",
    "if (import.meta.hot) {\n  var v{i} = {i}$\n}\nlog(typeof v{i}, v{i})$",
    "const hot{i} = import.meta.hot$\nif (hot{i}) hot{i}.accept()$",
    "const { hot: h{i} } = import.meta$\nh{i}?.accept()$",
    "function f{i}() {\n  if (import.meta.hot) {\n    devOnly({i})$\n  }\n"
    "  return {i}$\n}\nlog(f{i}())$",
    "if (tick() && import.meta.hot) {\n  devOnly({i})$\n} else {\n  prodOnly({i})$\n}",
    "if (import.meta.hot || sideEffect()) {\n  maybe({i})$\n}",
    "log(typeof import.meta.hot)$",
    'const m{i} = import.meta.hot ? "dev" : "prod"$\nlog(m{i})$',
    "while (import.meta.hot) {\n  devLoop()$\n}",
    "label{i}: if (import.meta.hot) {\n  devOnly({i})$\n  break label{i}$\n}",
    "if (import.meta.hot) {\n  import.meta.hot.accept()$\n} else if (window.flag) {\n"
    "  log({i})$\n}",
    "switch (tick()) {\n  case 1:\n    if (import.meta.hot) devOnly({i})$\n    break$\n"
    "  default:\n    log({i})$\n}",
    "if (!import.meta.hot) {\n  const k{i} = {i}$\n  log(k{i})$\n} else {\n  devOnly({i})$\n}",
    "for (const n of [{i}]) {\n  if (import.meta.hot) continue$\n  log(n)$\n}",
    "if (import.meta.hot) {\n  var { a: va{i}, b: [vb{i}] } = obj$\n}\nlog(va{i}, vb{i})$",
    "const hot{i} = import.meta.hot$\nfunction g{i}() {\n  if (hot{i}) {\n    hot{i}.accept()$\n"
    "  } else {\n    prodOnly({i})$\n  }\n}\ng{i}()$",
    "outer{i}: if (!import.meta.hot) {\n  prodOnly({i})$\n  break outer{i}$\n}",
    "if (import.meta.hot) {\n  devOnly({i})$\n} else if (tick() > 100) {\n  log({i})$\n"
    "} else {\n  prodOnly({i})$\n}",
    "import.meta.hot ? devOnly({i}) : prodOnly({i})$",
    "function helper{i}() {\n  return {i}$\n}\nimport.meta.hot?.accept(helper{i})$",
    'const mode{i} = import.meta.env.DEV ? "dev" : "prod"$\nlog(mode{i})$',
    # an alias read in its temporal dead zone must still throw
    "try {\n  log(typeof tdz{i})$\n} catch (e) {\n  log(e.constructor.name)$\n}\n"
    "const tdz{i} = import.meta.hot$\nif (tdz{i}) tdz{i}.accept()$",
    "function early{i}() {\n  return tdf{i} ? 1 : 2$\n}\ntry {\n  log(early{i}())$\n"
    "} catch (e) {\n  log(e.constructor.name)$\n}\nconst { hot: tdf{i} } = import.meta$\n"
    "log(early{i}())$",
    # switch on a discriminant that folds
    "switch (!!import.meta.hot) {\n  case true:\n    devOnly({i})$\n    break$\n  default:\n"
    "    log({i})$\n  case false:\n    prodOnly({i})$\n}",
    'switch (typeof import.meta.hot) {\n  default:\n    log({i})$\n  case "object":\n'
    '    devOnly({i})$\n  case "undefined":\n    prodOnly({i})$\n    break$\n  case "x":\n'
    '    var sw{i} = {i}$\n}\nlog(sw{i})$',
    "log(delete import.meta.hot)$",
    # destructuring with defaults, nested patterns, parameters
    "const { hot: d{i} = {i} } = import.meta$\nlog(d{i})$",
    "let { url: u{i}, hot: { data: dd{i} } = { data: {i} } } = import.meta$\n"
    "log(typeof u{i}, dd{i})$",
    "function p{i}({ hot: ph{i} = {i} } = import.meta) {\n  return ph{i}$\n}\n"
    "log(p{i}(), p{i}({ hot: 0 }))$",
    # escaped names
    "const { h\\u006ft: e{i} } = import.meta$\nif (e{i}) devOnly({i})$",
    'if (import.meta["h\\x6ft"] || import.meta.h\\u{6f}t) devOnly({i})$',
    # sequences in conditions
    "let s{i} = 0$\nif ((s{i}++, import.meta.hot)) devOnly({i})$\nlog(s{i})$",
    "let q{i} = 0$\nif (import.meta.hot?.data ?? (q{i}++, false)) devOnly({i})$\nlog(q{i})$",
    # writes to an alias through patterns and loop heads
    "let w{i} = import.meta.hot$\nif (w{i}) devOnly({i})$\n;[w{i}] = [{i}]$\nlog(w{i})$",
    "let { hot: wh{i} } = import.meta$\n;({ wh{i} = {i} } = {})$\nlog(wh{i})$",
    "let wf{i} = import.meta.hot$\nfor (wf{i} of [{i}]) {}\nlog(wf{i})$",
    "let { hot: wa{i} } = import.meta$\nwa{i} = {i}$\nlog(wa{i})$",
)
PLAIN_TEMPLATES = (
    'log("s{i}")$',
    "let count{i} = use({i})$",
    '(function () {\n  log("iife{i}")$\n})()$',
    "[{i}, {i}].forEach((n) => log(n))$",
    '`t{i}`.split("").forEach((c) => log(c))$',
    "-tick()$",
    "if (window.flag) log({i})$",
    "for (const n of [{i}]) log(n)$",
    "const meta{i} = { hot: {i} }$\nlog(meta{i}.hot)$",
)
TOP_LEVEL_TEMPLATES = (
    'import { dep{i} } from "./dep.js"$\nif (import.meta.hot) dep{i}()$',
    'export function e{i}() {\n  if (import.meta.hot) return "dev"$\n  return "prod{i}"$\n}',
    "export const x{i} = import.meta.hot?.data ?? {i}$",
    'import dflt{i}, { named{i} } from "./dep{i}.js"$\n'
    "if (import.meta.hot) named{i}()$\ndflt{i}()$",
    "export const { hot: xh{i} } = import.meta$\nif (xh{i}) devOnly({i})$",
    "const xa{i} = import.meta.hot$\nxa{i}?.accept()$\nexport { xa{i} as xb{i} };",
)
WRAPPERS = ("{\n<body>\n}", "function w{i}() {\n<body>\n}\nw{i}()$")


@dataclass
class _Numbering:
    next: int = 0

    def take(self) -> int:
        self.next += 1
        return self.next


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else line for line in text.split("\n"))


Item = str | tuple[str, list[str]]


def _render(items: list[Item], semicolons: bool) -> str:
    """Module text from templates and (wrapper, templates) groups."""
    numbering = _Numbering()

    def one(template: str) -> str:
        return template.replace("{i}", str(numbering.take()))

    parts: list[str] = []
    for item in items:
        if isinstance(item, str):
            parts.append(one(item))
        else:
            wrapper, body = item
            inner = "\n".join(one(template) for template in body)
            parts.append(one(wrapper).replace("<body>", _indent(inner)))
    text = "\n".join(parts) + "\n"
    return text.replace("$", ";" if semicolons else "")


def modules(hot: bool = True) -> st.SearchStrategy[str]:
    """Random modules built from the templates (without any hot template when ``hot`` is off)."""
    inner = st.sampled_from(HOT_TEMPLATES + PLAIN_TEMPLATES if hot else PLAIN_TEMPLATES)
    top = st.sampled_from(TOP_LEVEL_TEMPLATES) if hot else inner
    group = st.tuples(st.sampled_from(WRAPPERS), st.lists(inner, min_size=1, max_size=4))
    items = st.lists(st.one_of(inner, inner, top, group), min_size=1, max_size=10)
    return st.builds(_render, items, st.booleans())


# --- (a) idempotence, (b) output parses: the corpus --------------------------------------------


@pytest.mark.parametrize("entry", PRODUCTION, ids=[entry.id for entry in PRODUCTION])
def test_corpus_output_is_a_fixed_point(entry: Entry) -> None:
    """(a) Transforming the output again gives the output back."""
    once = entry.transform().code
    assert entry.transform(once).code == once


@pytest.mark.parametrize("entry", USABLE, ids=[entry.id for entry in USABLE])
def test_corpus_output_parses(entry: Entry) -> None:
    """(b) The output parses whenever the input does."""
    if syntax_errors(entry.case.input):
        pytest.skip("the input does not parse with tree-sitter")
    assert syntax_errors(entry.transform().code) == []


# --- (a), (b), (c) over generated text --------------------------------------------------------

GENERATED = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@GENERATED
@given(modules())
def test_generated_output_is_a_fixed_point_and_parses(source: str) -> None:
    """(a) and (b) on generated modules; no `import.meta.hot` is left either.

    Without semicolons a template can follow an optional chain (`a?.b()` then a line
    starting with a template): tree-sitter parses that, V8 and shaker reject it.
    """
    assert syntax_errors(source) == [], source
    import shaker

    try:
        once = transform(source).code
    except shaker.ShakerSyntaxError as error:
        assert "tagged template on optional chain" in str(error), source
        return
    assert transform(once).code == once
    assert syntax_errors(once) == []
    assert hot_references(once) == []


@GENERATED
@given(
    st.text().filter(lambda text: "meta" not in text),
    st.sampled_from(["production", "development"]),
)
def test_text_without_meta_is_unchanged(text: str, mode: str) -> None:
    """(c) Text whose bytes do not contain `meta` comes back byte for byte, unparsed."""
    result = transform(text, mode)
    assert result.code == text
    assert result.changed is False
    assert result.diagnostics == []


@GENERATED
@given(modules(hot=False), st.sampled_from(["production", "development"]))
def test_modules_without_import_meta_are_unchanged(source: str, mode: str) -> None:
    """(c) Valid modules that never use `import.meta` (but say `meta` and `hot`) are unchanged."""
    result = transform(source, mode)
    assert result.code == source
    assert result.changed is False


# --- (d) the node oracle over generated modules -----------------------------------------------


def _check_batch(sources: list[str], check: Callable[[str, Any], None]) -> None:
    import shaker

    pairs = []
    for source in sources:
        try:
            result = transform(source)
        except shaker.ShakerSyntaxError as error:  # see the fixed-point test
            assert "tagged template on optional chain" in str(error), source
            continue
        check(source, result)
        pairs.append(Pair(source, result.code))
    for pair, outcome in zip(pairs, run_pairs(pairs), strict=True):
        if isinstance(outcome, Exception):
            raise outcome
        before, after = outcome
        if any(line.startswith("module threw SyntaxError") for line in before.lines):
            continue  # tree-sitter accepted a module that node rejects (e.g. `a?.b` + template)
        assert before == after, explain(pair, before, after)


def _no_leftovers(source: str, result: Any) -> None:
    assert hot_references(result.code) == [], result.code
    assert [d.id for d in result.diagnostics] == [], source


@pytest.mark.node
@pytest.mark.skipif(NODE is None, reason="node is not installed: the oracle runs modules under it")
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(st.lists(modules(), min_size=5, max_size=5))
def test_generated_modules_behave_the_same_under_node(sources: list[str]) -> None:
    """(d) Each generated module prints the same before and after (five per node batch).

    Shrinking is off (each step would run node); the failing module is printed whole.
    """
    _check_batch(sources, _no_leftovers)
