"""LaTeX markup (accents, macros, math) to clean Unicode text, through pylatexenc."""
from __future__ import annotations

from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text

from homog.corpus.record import normalize_text


@lru_cache(maxsize=1)
def _converter() -> LatexNodes2Text:
    return LatexNodes2Text(math_mode="text", strict_latex_spaces=False)


def latex_to_text(value: str | None) -> str | None:
    """``{\\\"U}ber $\\alpha$-nets`` -> ``Über α-nets``; ``None`` stays ``None``.

    Text without a backslash, brace or dollar is returned unchanged (apart from
    whitespace normalisation) so plain text is never altered by the converter.
    """
    if value is None:
        return None
    text = str(value)
    if any(ch in text for ch in "\\{}$~"):
        try:
            text = _converter().latex_to_text(text)
        except Exception:  # pylatexenc fails on some markup (``\\href{url}{text}`` in 2.11): keep the text as it was
            pass
    return normalize_text(text)
