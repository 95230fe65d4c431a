"""What a module imports by name and what it exports: the facts that tell, before a browser
does, that ``import { x } from "./m.js"`` names something ``m.js`` does not export.

Pure: a parsed tree in, names out.  ``export *`` re-exports are returned as specifiers for the
caller to follow (it knows where they resolve).

>>> from shaker.source import Source
>>> from shaker.js.parse import parse
>>> b = module_bindings(parse(Source("m.js", b'''import d, { a as b } from "./x";
... import * as ns from "./y"; export const { p, q: [r] } = o; export default 1;
... export { b as c }; export { z as "two words" } from "./z"; export * from "./s";''')))
>>> [(i.specifier, i.name) for i in b.imports]
[('./x', 'default'), ('./x', 'a'), ('./z', 'z')]
>>> sorted(b.exports), b.star_reexports
(['c', 'default', 'p', 'r', 'two words'], ('./s',))
"""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node, Tree

from shaker.js.scope import named, pattern_names

_DECLARATIONS = frozenset({"function_declaration", "generator_function_declaration",
                           "class_declaration"})
_VARIABLES = frozenset({"lexical_declaration", "variable_declaration"})


@dataclass(frozen=True)
class NamedImport:
    """``import { name } from "specifier"`` (``default`` for a default import); ``offset`` is
    where the specifier string starts."""

    specifier: str
    name: str
    offset: int


@dataclass(frozen=True)
class Bindings:
    imports: tuple[NamedImport, ...]
    exports: frozenset[str]
    star_reexports: tuple[str, ...]


def module_bindings(tree: Tree) -> Bindings:
    """The named imports, the export names and the ``export *`` sources of a module."""
    imports: list[NamedImport] = []
    exports: set[str] = set()
    stars: list[str] = []
    for stmt in named(tree.root_node):
        source = stmt.child_by_field_name("source")
        specifier = _string(source) if source is not None else None
        if stmt.type == "import_statement" and specifier is not None and source is not None:
            imports += [NamedImport(specifier, n, source.start_byte) for n in _imported(stmt)]
        elif stmt.type == "export_statement":
            _exported(stmt, specifier, exports, stars)
            if specifier is not None and source is not None:
                imports += [NamedImport(specifier, name, source.start_byte)
                            for name in _reexported(stmt)]
    return Bindings(tuple(imports), frozenset(exports), tuple(stars))


def _imported(stmt: Node) -> list[str]:
    names = []
    for clause in named(stmt):
        if clause.type != "import_clause":
            continue
        for part in named(clause):
            if part.type == "identifier":
                names.append("default")
            elif part.type == "named_imports":
                for spec in named(part):
                    name = spec.child_by_field_name("name")
                    if spec.type == "import_specifier" and name is not None:
                        names.append(_name(name))
    return names


def _reexported(stmt: Node) -> list[str]:
    """Names ``export { a, b as c } from "x"`` takes from ``x``."""
    clause = next((c for c in named(stmt) if c.type == "export_clause"), None)
    if clause is None:
        return []
    return [_name(n) for spec in named(clause) if spec.type == "export_specifier"
            and (n := spec.child_by_field_name("name")) is not None]


def _exported(stmt: Node, specifier: str | None, exports: set[str], stars: list[str]) -> None:
    if any(c.type == "default" for c in stmt.children):
        exports.add("default")
        return
    declaration = stmt.child_by_field_name("declaration")
    if declaration is not None:
        if declaration.type in _DECLARATIONS:
            name = declaration.child_by_field_name("name")
            if name is not None:
                exports.add(_name(name))
        elif declaration.type in _VARIABLES:
            for declarator in named(declaration):
                target = declarator.child_by_field_name("name")
                if target is not None:
                    exports.update(_name(n) for n in pattern_names(target))
        return
    for child in named(stmt):
        if child.type == "namespace_export":
            alias = [c for c in named(child) if c.type in ("identifier", "string")]
            if alias:
                exports.add(_name(alias[-1]))
        elif child.type == "export_clause":
            for spec in named(child):
                if spec.type != "export_specifier":
                    continue
                node = spec.child_by_field_name("alias") or spec.child_by_field_name("name")
                if node is not None:
                    exports.add(_name(node))
    if specifier is not None and any(c.type == "*" for c in stmt.children):
        stars.append(specifier)


def _name(node: Node) -> str:
    return (_string(node) if node.type == "string" else None) or (node.text or b"").decode()


def _string(node: Node) -> str | None:
    if node.type != "string":
        return None
    return "".join((c.text or b"").decode() for c in node.named_children
                   if c.type == "string_fragment")


__all__ = ["Bindings", "NamedImport", "module_bindings"]
