"""The accent rule without ``latex.convert_accents``'s shortcuts, shared by the tests that check them."""
from __future__ import annotations

import unicodedata

from homog.corpus.sources import latex


def ref_convert_accents(text: str) -> str:
    """``latex.convert_accents`` without its shortcuts (no backslash, no accent-like macro, a pass from the first
    candidate, no NFC for ASCII): the whole text through the span expression and NFC, until nothing changes."""
    text = unicodedata.normalize("NFC", text)
    while True:
        converted = unicodedata.normalize("NFC", latex._ACCENT_SPANS.sub(latex._replace, text))
        if converted == text:
            return text
        text = converted
