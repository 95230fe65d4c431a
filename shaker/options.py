"""Options as frozen dataclasses, validated once at the edge of the library."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Mode = Literal["production", "development"]
# Called with each import specifier (and accepted hot dep); a returned string replaces it.
RewriteImport = Callable[[str], "str | None"]


@dataclass(frozen=True)
class TransformOptions:
    """What :func:`shaker.transform` needs to know besides the code."""

    filename: str = "<input>"
    mode: Mode = "production"
    url: str | None = None
    sourcemap: bool = False
    define: Mapping[str, str] = field(default_factory=dict)
    keep_hot: bool = False
    base: str = "/"
    env: Mapping[str, object] = field(default_factory=dict)
    rewrite_import: RewriteImport | None = None
    input_map: Mapping[str, object] | None = None

    def __post_init__(self) -> None:
        if self.mode not in ("production", "development"):
            raise ValueError(f"mode must be 'production' or 'development', not {self.mode!r}")
        for key, value in self.define.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError("define maps names to JavaScript expression strings, e.g. "
                                "{'__DEV__': 'false'}")

    @property
    def module_url(self) -> str:
        """The module's URL path: its identity in the dev server's module graph."""
        if self.url:
            return self.url
        name = self.filename.replace("\\", "/").lstrip("./")
        return "/" + name if not name.startswith("<") else "/" + name.strip("<>") + ".js"
