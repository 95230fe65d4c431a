"""The start-up banner, laid out like Vite's; plain text, the CLI adds colour.

>>> print(render_banner("0.1.0", 42, ("http://localhost:5173/",), (), exposed=False))
<BLANKLINE>
  SHAKER v0.1.0  ready in 42 ms
<BLANKLINE>
  ➜  Local:   http://localhost:5173/
  ➜  Network: use --host to expose
<BLANKLINE>
"""

from __future__ import annotations

from collections.abc import Sequence

EXPOSED_WARNING = (
    "  ⚠  The dev server is exposed on the network: anyone who can reach these addresses\n"
    "     can read your project's source files. Use --host only on networks you trust."
)


def render_banner(
    version: str,
    ready_ms: int,
    local: Sequence[str],
    network: Sequence[str],
    *,
    exposed: bool,
) -> str:
    """The lines printed once the server listens."""
    lines = ["", f"  SHAKER v{version}  ready in {ready_ms} ms", ""]
    lines += [f"  ➜  Local:   {url}" for url in local]
    if network:
        lines += [f"  ➜  Network: {url}" for url in network]
    elif not exposed:
        lines.append("  ➜  Network: use --host to expose")
    if exposed:
        lines += ["", EXPOSED_WARNING]
    lines.append("")
    return "\n".join(lines)
