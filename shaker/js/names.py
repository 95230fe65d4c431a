"""What a JavaScript name may be: the reserved words, and whether a file spells a name.

One home for both: the parser rejects reserved words as import and export bindings, generated
modules (JSON's named exports, CommonJS's) must not declare them, and the JSX and refresh
transforms pick helper names no identifier in the file already spells.

>>> is_binding_name("data"), is_binding_name("if"), is_binding_name("eval"), is_binding_name("a-b")
(True, False, False, False)
>>> spelled(b"let _jsx2 = _jsx;", "_jsx"), spelled(b"let _jsx2 = 1;", "_jsx")
(True, False)
"""

from __future__ import annotations

# Words that can never name a binding or a reference in module code (which is strict):
# keywords, literals, strict-mode and module-only reserved words.
RESERVED_WORDS = frozenset(
    {"await", "break", "case", "catch", "class", "const", "continue", "debugger", "default",
     "delete", "do", "else", "enum", "export", "extends", "false", "finally", "for",
     "function", "if", "import", "in", "instanceof", "new", "null", "return", "super",
     "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with",
     "yield", "implements", "interface", "let", "package", "private", "protected", "public",
     "static"}
)
STRICT_BINDING_NAMES = frozenset({"eval", "arguments"})
"""...and the names strict mode forbids as binding names."""


def is_ident_byte(b: int) -> bool:
    """Bytes that may continue a JavaScript identifier (non-ASCII counted conservatively)."""
    return b >= 0x80 or b == 0x24 or b == 0x5F or 0x30 <= b <= 0x39 or 0x41 <= b <= 0x5A or (
        0x61 <= b <= 0x7A
    )


def is_binding_name(name: str) -> bool:
    """Whether ``name`` can be declared in a module (``const name = …``)."""
    return (name.replace("$", "_").isidentifier() and name not in RESERVED_WORDS
            and name not in STRICT_BINDING_NAMES)


def spelled(code: bytes, name: str) -> bool:
    """Whether ``code`` contains ``name`` as a whole identifier-like word (anywhere: a
    comment or a string counts too, which only makes a chosen name more careful)."""
    needle = name.encode()
    pos = code.find(needle)
    while pos >= 0:
        after = pos + len(needle)
        if (pos == 0 or not is_ident_byte(code[pos - 1])) and (
                after >= len(code) or not is_ident_byte(code[after])):
            return True
        pos = code.find(needle, after)
    return False


__all__ = ["RESERVED_WORDS", "STRICT_BINDING_NAMES", "is_binding_name", "is_ident_byte",
           "spelled"]
