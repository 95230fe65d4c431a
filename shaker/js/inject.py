"""Development: the hot-context preamble and the edits that feed the dev server.

Only modules whose syntax tree references ``import.meta.hot`` change.  The preamble goes
on line 1 without a newline (after a hashbang line, on line 2), so every line of the
module keeps its number and stack traces stay right without a source map.
"""

from __future__ import annotations

import json

from shaker.js.fold import special_text
from shaker.js.plan import Plan
from shaker.js.scan import ScanResult
from shaker.js.values import render_value
from shaker.protocol import CLIENT_PATH
from shaker.source import Source


def preamble(url: str, *, hot: bool, env: dict[str, object] | None, base: str = "/") -> str:
    """The line-1 prefix for a module at ``url``; the client lives under the public ``base``."""
    parts = []
    if hot:
        client = base.rstrip("/") + CLIENT_PATH
        parts.append(f'import {{ createHotContext as __shaker_hot }} from "{client}";'
                     f"import.meta.hot = __shaker_hot({json.dumps(url)});")
    if env is not None:
        body = ", ".join(f"{json.dumps(k)}: {render_value(v)}" for k, v in sorted(env.items()))
        parts.append(f"import.meta.env = {{{body}}};")
    return "".join(parts)


def inject(source: Source, facts: ScanResult, plan: Plan, *, url: str,
           env: dict[str, object], base: str = "/") -> None:
    """Add the preamble to ``plan`` when the module uses ``import.meta.hot`` or ``.env``, and
    replace every ``define`` key, as the production transform does."""
    for special in facts.specials.values():
        if special.kind != "hot":
            node = special.node
            plan.replace(node.start_byte, node.end_byte, special_text(node, special))
    text = preamble(url, hot=facts.uses_hot, env=env if facts.uses_env else None, base=base)
    if not text:
        return
    code = source.code
    pos = 0
    if code.startswith(b"#!"):
        nl = code.find(b"\n")
        pos = len(code) if nl < 0 else nl + 1
        if nl < 0:
            text = "\n" + text
    elif code.startswith(b"\xef\xbb\xbf"):
        pos = 3
    plan.insert(pos, text)
