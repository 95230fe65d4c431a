"""Facts about statements that the strip planner needs, as pure functions of the tree.

Kept apart from :mod:`shaker.js.strip` so that the planner reads as decisions, and these
small predicates (can a block lose its braces, does a branch always return, would this
text start a statement ambiguously) can be tested and reused on their own.
"""

from __future__ import annotations

from tree_sitter import Node

from shaker.js.scope import FUNCTION_TYPES, named

# Parents whose children form a statement list.
LISTS = frozenset({"program", "statement_block", "switch_case", "switch_default",
                   "class_static_block"})
LOOPS = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"})
# Statements that end at an automatic semicolon when they lack `;`.
ASI_STATEMENTS = frozenset(
    {"expression_statement", "lexical_declaration", "variable_declaration", "return_statement",
     "throw_statement", "break_statement", "continue_statement", "debugger_statement",
     "do_statement", "import_statement", "export_statement"}
)
# First bytes that continue the previous line's expression when no `;` separates them.
ASI_HAZARD_BYTES = frozenset(bytes([c]) for c in b"([`+-/*,.%<>=?!~")


def ends_without_semicolon(stmt: Node) -> bool:
    """Whether ``stmt`` ends where ASI ended it, so the next line could continue it.

    Compound statements end with their last sub-statement: ``if (a) log(a)`` has no `;`.
    """
    t = stmt.type
    if t in ASI_STATEMENTS:
        return not (stmt.text or b"").rstrip().endswith(b";")
    if t == "if_statement":
        clause = stmt.child_by_field_name("alternative")
        body = else_body(clause) if clause is not None else stmt.child_by_field_name(
            "consequence")
    elif t in ("for_statement", "for_in_statement", "while_statement", "with_statement",
               "labeled_statement"):
        body = stmt.child_by_field_name("body")
    else:
        return False
    return body is not None and ends_without_semicolon(body)


def line_extent(code: bytes, start: int, end: int) -> tuple[int, int, bool]:
    """The range to delete for a statement at ``[start, end)``, and whether it was whole lines.

    A statement alone on its lines takes its indentation and line break with it; one that
    shares a line takes the spaces after it (or, at the end of a line, those before it).
    """
    ls = start
    while ls > 0 and code[ls - 1] in b" \t":
        ls -= 1
    own_start = ls == 0 or code[ls - 1] in b"\r\n"
    le = end
    while le < len(code) and code[le] in b" \t":
        le += 1
    own_end = le == len(code) or code[le] in b"\r\n"
    if own_start and own_end:
        if code.startswith(b"\r\n", le):
            le += 2
        elif le < len(code):
            le += 1
        return ls, le, True
    if own_end:
        return ls, end, False
    return start, le, False


def indent_at(code: bytes, pos: int) -> str | None:
    """The indentation before ``pos`` if only whitespace precedes it on its line, else None."""
    ls = pos
    while ls > 0 and code[ls - 1] in b" \t":
        ls -= 1
    if ls == 0 or code[ls - 1] in b"\r\n":
        return code[ls:pos].decode()
    return None

def else_body(clause: Node | None) -> Node | None:
    if clause is None:
        return None
    body = named(clause)
    return body[0] if body else None


def completes_abruptly(stmt: Node) -> bool:
    """Whether running ``stmt`` always ends in return/throw/break/continue."""
    t = stmt.type
    if t in ("return_statement", "throw_statement", "break_statement", "continue_statement"):
        return True
    if t == "statement_block":
        items = [c for c in block_items(stmt) if c.type != "comment"]
        return bool(items) and completes_abruptly(items[-1])
    return False


def in_statement_list(stmt: Node) -> bool:
    parent = stmt.parent
    return parent is not None and parent.type in LISTS


def block_items(block: Node) -> list[Node]:
    """A block's children between the braces, comments included."""
    return [c for c in block.children if c.type not in ("{", "}")]


def can_unwrap(block: Node) -> bool:
    """A block can lose its braces if it declares nothing block-scoped."""
    if block.parent is not None and block.parent.type == "labeled_statement":
        return False
    for item in block_items(block):
        t = item.type
        if t in ("lexical_declaration", "class_declaration", "function_declaration",
                 "generator_function_declaration"):
            return False
    return True


def breaks_out(body: Node) -> bool:
    """Whether ``body`` has a ``break``/``continue`` that targets the loop around it."""
    stack = list(body.children)
    while stack:
        node = stack.pop()
        t = node.type
        if t in ("break_statement", "continue_statement"):
            return True
        if t in FUNCTION_TYPES or t in LOOPS or t == "switch_statement":
            # labelled jumps may still leave through nested loops; be conservative
            if any(c.type == "statement_identifier" for c in _descendants(node)):
                return True
            continue
        stack.extend(node.children)
    return False


def _descendants(node: Node) -> list[Node]:
    out = []
    stack = list(node.children)
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(n.children)
    return out


def in_string_or_template(root: Node, pos: int) -> bool:
    node = root.descendant_for_byte_range(pos, pos)
    while node is not None:
        if node.type in ("template_string", "string"):
            return True
        node = node.parent
    return False


def is_string_statement(stmt: Node) -> bool:
    if stmt.type != "expression_statement":
        return False
    inner = named(stmt)
    return len(inner) == 1 and inner[0].type == "string"


def starts_ambiguously(text: str) -> bool:
    """Whether an expression statement starting with ``text`` would parse as something else."""
    stripped = text.lstrip()
    return stripped.startswith(("{", "function", "class", "let [", "async function"))



