"""Read and write transform corpus files (tree-sitter's corpus format plus attribute lines).

A file holds cases like this one::

    ================================================================================
    case name
    :warning hot-unguarded 1:1
    ================================================================================
    import.meta.hot.accept()
    --------------------------------------------------------------------------------

Attribute lines start with ``:``; the input runs to a line of three or more ``-``; the expected
output runs to the next header or the end of the file. Trailing blank lines of both sections are
dropped and non-empty sections end with exactly one newline. ``:crlf`` turns every ``\\n`` of both
sections into ``\\r\\n`` so that files stay LF on disk.

>>> case = parse_corpus(render_corpus([Case("demo", [("warning", "x 1:1")], "a\\n", "")]))[0]
>>> case.name, case.values("warning"), case.input, case.expected
('demo', ['x 1:1'], 'a\\n', '')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RULE_WIDTH = 80
_HEADER = re.compile(r"={3,}")
_DIVIDER = re.compile(r"-{3,}")


class CorpusFormatError(ValueError):
    """A corpus file or a value that the format cannot hold."""


@dataclass
class Case:
    """One corpus case; ``input`` and ``expected`` are the texts the transform sees and returns."""

    name: str
    attributes: list[tuple[str, str]] = field(default_factory=list)
    input: str = ""
    expected: str = ""
    line: int = 0

    def flag(self, key: str) -> bool:
        """Whether the attribute ``:key`` is present."""
        return any(name == key for name, _ in self.attributes)

    def values(self, key: str) -> list[str]:
        """The values of every ``:key VALUE`` attribute, in file order."""
        return [value for name, value in self.attributes if name == key]

    def value(self, key: str, default: str | None = None) -> str | None:
        """The value of the last ``:key VALUE`` attribute, or ``default``."""
        found = self.values(key)
        return found[-1] if found else default

    def defines(self) -> dict[str, str]:
        """``:define KEY=VALUE`` attributes as a dict (value kept as JavaScript source text)."""
        pairs = (item.partition("=") for item in self.values("define"))
        return {key.strip(): value.strip() for key, _, value in pairs}

    def warnings(self) -> list[str]:
        """The expected diagnostics in short form, ``ID LINE:COL``."""
        return [" ".join(item.split()) for item in self.values("warning")]


def _section(lines: list[str], crlf: bool) -> str:
    """Join body lines: drop trailing blank lines, end with one newline, apply ``:crlf``."""
    while lines and not lines[-1].strip():
        lines.pop()
    text = "".join(line + "\n" for line in lines)
    return text.replace("\n", "\r\n") if crlf else text


def _is_rule(line: str, rule: re.Pattern[str]) -> bool:
    return rule.fullmatch(line.rstrip("\r")) is not None


def parse_corpus(text: str) -> list[Case]:
    """Parse the text of one corpus file into its cases."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    cases: list[Case] = []
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    while index < len(lines):
        if not _is_rule(lines[index], _HEADER) or index + 1 >= len(lines):
            raise CorpusFormatError(f"line {index + 1}: expected a header of '='")
        start = index + 1
        name = lines[index + 1].strip()
        index += 2
        attributes: list[tuple[str, str]] = []
        while index < len(lines) and lines[index].startswith(":"):
            key, _, value = lines[index][1:].partition(" ")
            attributes.append((key, value.strip()))
            index += 1
        if index >= len(lines) or not _is_rule(lines[index], _HEADER):
            raise CorpusFormatError(f"line {index + 1}: case {name!r} lacks its closing '=' line")
        index += 1
        body_start = index
        while index < len(lines) and not _is_rule(lines[index], _DIVIDER):
            index += 1
        if index >= len(lines):
            raise CorpusFormatError(f"line {start}: case {name!r} has no '---' divider")
        input_lines = lines[body_start:index]
        index += 1
        output_start = index
        while index < len(lines) and not _is_rule(lines[index], _HEADER):
            index += 1
        crlf = any(key == "crlf" for key, _ in attributes)
        cases.append(
            Case(
                name=name,
                attributes=attributes,
                input=_section(input_lines, crlf),
                expected=_section(lines[output_start:index], crlf),
                line=start,
            )
        )
    return cases


def _unsection(text: str, crlf: bool, what: str) -> str:
    """Turn a section's text back into file text, refusing what the format cannot hold."""
    if crlf:
        stray = text.replace("\r\n", "")
        if "\n" in stray or "\r" in stray:
            raise CorpusFormatError(f"{what}: a :crlf case holds a lone LF or CR")
        text = text.replace("\r\n", "\n")
    if text and (not text.endswith("\n") or not text[:-1].split("\n")[-1].strip()):
        raise CorpusFormatError(
            f"{what}: must be empty or end with one newline after a non-blank line"
        )
    if "\r" in text:
        raise CorpusFormatError(f"{what}: holds a CR; use :crlf")
    for line in text.split("\n"):
        if _HEADER.fullmatch(line) or _DIVIDER.fullmatch(line):
            raise CorpusFormatError(f"{what}: holds a line that reads as a corpus rule: {line!r}")
    return text


def render_case(case: Case) -> str:
    """The file text of one case, in canonical form."""
    crlf = case.flag("crlf")
    rule = "=" * RULE_WIDTH
    head = [rule, case.name]
    head += [f":{key} {value}".rstrip() for key, value in case.attributes]
    head += [rule]
    body = _unsection(case.input, crlf, f"{case.name}: input")
    out = _unsection(case.expected, crlf, f"{case.name}: expected output")
    return "\n".join(head) + "\n" + body + "-" * RULE_WIDTH + "\n" + out + "\n"


def render_corpus(cases: list[Case]) -> str:
    """The file text of a list of cases: canonical, so ``render(parse(text)) == text``."""
    return "".join(render_case(case) for case in cases)


def read_corpus(path: Path) -> list[Case]:
    """Parse a corpus file (UTF-8, newlines untranslated)."""
    return parse_corpus(path.read_text(encoding="utf-8"))


def write_corpus(path: Path, cases: list[Case]) -> None:
    """Write cases back to a corpus file in canonical form."""
    path.write_bytes(render_corpus(cases).encode("utf-8"))


def representable(text: str, crlf: bool = False) -> bool:
    """Whether ``text`` survives a round trip through a corpus section."""
    try:
        _unsection(text, crlf, "text")
    except CorpusFormatError:
        return False
    return True


ATTRIBUTES = frozenset(
    {
        "warning",
        "error",
        "define",
        "keep-hot",
        "url",
        "no-oracle",
        "self-accepting",
        "accepts",
        "declines",
        "skip",
        "crlf",
        # corpus/typescript
        "tsx",
        "verbatim",
        "experimental-decorators",
        "run",
        "no-node",
        # corpus/minify
        "script",
        "no-run",
    }
)


@dataclass(frozen=True)
class Entry:
    """A case together with the corpus file it lives in; the directory name is the mode."""

    path: Path
    case: Case

    @property
    def mode(self) -> str:
        """``production`` or ``development``."""
        return self.path.parent.name

    @property
    def id(self) -> str:
        """The test id: ``mode/file.txt::case name``."""
        return f"{self.mode}/{self.path.name}::{self.case.name}"

    def transform_options(self) -> dict[str, object]:
        """Keyword arguments of ``shaker.transform`` that this case asks for."""
        options: dict[str, object] = {"filename": self.path.name, "mode": self.mode}
        if self.mode == "development":
            options["url"] = self.case.value("url") or f"/{self.path.stem}.js"
        if self.case.values("define"):
            options["define"] = self.case.defines()
        if self.case.flag("keep-hot"):
            options["keep_hot"] = True
        return options

    def transform(self, source: str | None = None) -> Any:
        """``shaker.transform`` of the case's input (or of ``source``) with the case's options."""
        import shaker

        return shaker.transform(
            self.case.input if source is None else source, **self.transform_options()
        )


def corpus_entries(root: Path, mode: str | None = None) -> list[Entry]:
    """Every case under ``root/<mode>/*.txt`` (both modes when ``mode`` is None)."""
    modes = [mode] if mode else ["production", "development"]
    return [
        Entry(path, case)
        for name in modes
        for path in sorted((root / name).glob("*.txt"))
        for case in read_corpus(path)
    ]


def replace_case(path: Path, updated: Case) -> None:
    """Rewrite the case named ``updated.name`` in ``path`` (the other cases are untouched)."""
    cases = read_corpus(path)
    write_corpus(path, [updated if case.name == updated.name else case for case in cases])
