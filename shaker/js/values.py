"""JavaScript constant values as Python data, for folding conditions.

``None`` is ``null``, :data:`UNDEFINED` is ``undefined``; booleans, numbers (int/float) and
strings map to themselves.  Only the operations the folder needs are implemented, each
following the ECMAScript definition for primitives.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass


class _Undefined:
    __slots__ = ()

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED = _Undefined()


@dataclass(frozen=True)
class Constant:
    """A parsed constant, wrapped so that ``None`` (null) is distinguishable from 'none'."""

    value: object


def parse_constant(text: str) -> Constant | None:
    """A define value such as ``'"production"'`` or ``'false'`` as a constant, if it is one."""
    text = text.strip()
    if text in ("undefined", "void 0"):
        return Constant(UNDEFINED)
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, (dict, list)):
        return None
    return Constant(value)


def js_type(value: object) -> str:
    """``typeof`` of a primitive constant."""
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "object"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string"


def truthy(value: object) -> bool:
    """ToBoolean."""
    if value is UNDEFINED or value is None or value is False:
        return False
    if isinstance(value, bool):
        return True
    if isinstance(value, (int, float)):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, str):
        return value != ""
    return True


def strict_equals(a: object, b: object) -> bool:
    """``===`` on primitives (NaN !== NaN, +0 === -0)."""
    ta, tb = js_type(a), js_type(b)
    if ta != tb:
        return False
    if ta in ("undefined",) or a is None:
        return a is b
    return a == b


def loose_equals(a: object, b: object) -> bool | None:
    """``==`` on primitives, or None when the answer needs coercions we do not model."""
    nullish_a = a is None or a is UNDEFINED
    nullish_b = b is None or b is UNDEFINED
    if nullish_a or nullish_b:
        return nullish_a and nullish_b
    if js_type(a) == js_type(b):
        return strict_equals(a, b)
    return None


def render_value(value: object) -> str:
    """JavaScript source text for a constant."""
    if value is UNDEFINED:
        return "void 0"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)
