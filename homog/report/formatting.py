"""Tables and images as the report's HTML and Markdown show them (one place for every section)."""
from __future__ import annotations

import base64

import pandas as pd
from markupsafe import Markup


def b64(png: bytes) -> str:
    """PNG bytes as base64 text for a ``data:image/png`` URL."""
    return base64.b64encode(png).decode("ascii")


def html_table(frame: pd.DataFrame | None, digits: int = 4, style: str = "f") -> Markup:
    """A table as HTML (cells escaped by pandas), marked safe for the autoescaping template."""
    if frame is None or frame.empty:
        return Markup("<p class='muted'>(no rows)</p>")
    return Markup("<div class='table-wrap'>" + frame.to_html(
        index=False, float_format=lambda v: f"{v:.{digits}{style}}", na_rep="–", border=0, escape=True) + "</div>")


def md_table(frame: pd.DataFrame | None, digits: int = 4, style: str = "f") -> str:
    """A table as GitHub-flavoured Markdown."""
    if frame is None or frame.empty:
        return "_(no rows)_"
    cells = frame.apply(lambda col: col.map(lambda v: v.replace("|", "\\|").replace("\n", " ") if isinstance(v, str)
                                            else v) if col.dtype == object else col)
    return cells.to_markdown(index=False, floatfmt=f".{digits}{style}", missingval="–")
