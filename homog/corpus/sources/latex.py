"""LaTeX markup to Unicode, through pylatexenc.

Two converters:

- ``latex_to_text`` turns *all* markup into text (accents, macros, math: ``$\\alpha$`` -> ``α``); BibTeX fields go
  through it.
- ``convert_accents`` turns only accents and special letters into Unicode (``Gr\\"obner`` -> ``Gröbner``,
  ``Gon\\c{c}alves`` -> ``Gonçalves``, ``{\\o}`` -> ``ø``) and leaves everything else -- math above all -- as
  written: arXiv titles and abstracts are embedded as their authors wrote them, but one person must be spelled
  one way whichever source a record came from.  Every source's titles, abstracts and author names go through it
  (``_common.build_paper``, ``_common.split_authors`` and the arXiv snapshot's fast path); callers on a hot path
  test ``"\\\\" in text`` first, since text without a backslash never changes.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

from homog.corpus.record import normalize_text

if TYPE_CHECKING:
    from pylatexenc.latex2text import LatexNodes2Text


@lru_cache(maxsize=1)
def _converter() -> "LatexNodes2Text":
    from pylatexenc.latex2text import LatexNodes2Text  # imported on first use: most text never needs it

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


# --- accents only ------------------------------------------------------------------------------------------------
# Regular expressions find the spans; pylatexenc says what each span is (``_span_text``, cached per span).
_LETTER = r"[^\W\d_]"  # one letter, any script
_DOTLESS = r"\\[ij](?![A-Za-z])(?:\{\}|\s+(?=[a-z]))?"  # \i and \j, the dotless i and j that take accents (\"\i -> ï)
_SPECIAL = r"(?:ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i|j)(?![A-Za-z])"  # after "\": \ss -> ß, \o -> ø, \l -> ł, \aa -> å, ...
_BASE = rf"(?:{_LETTER}|{_DOTLESS}|\{{\s*(?:{_LETTER}|{_DOTLESS})\s*\}})"  # o, \i, {o}, {\i}
# An accent and its argument, less the backslash: ``"o``, ``" o``, ``"{o}``, ``"\i``, ``c{c}``, ``c c``, ``v\i``.  The
# symbol accents (\" \' \` \^ \~ \= \.) may be followed by spaces; the letter accents (\u \v \H \c \k \r \d \b) end
# their name, so an ASCII letter cannot follow them at once (``\ca`` is another macro, not ``\c a``); a URL's "/\~"
# is no accent.  An accent on an accent (``Nguy\~{\^e}n``) is converted in two passes, the inner one first.
_ACCENT = rf"(?:[\"'`^=.]|(?<!/\\)~|[uvHckrdb](?![A-Za-z]))\s*{_BASE}"
# A special letter: a control word ends at "{}" or "\ " (both dropped), and eats the spaces before a lower-case
# letter (``S\o ren`` -> Søren, as TeX reads it; ``Pawe\l Kowalski`` keeps its space, as its author meant).
_SPECIAL_WORD = rf"(?P<special>{_SPECIAL})(?:\{{\}}|\\(?=\s)|\s+(?=[a-z]))?"

# The rule, in one expression (one pass of it): math and escapes match too, and are kept as they are
# (``$\dot x$``, ``\(\"a\)``, ``\\``, ``\$``).
_ACCENT_SPANS = re.compile(
    r"\\(?:[\\$]|\(.*?\\\)|\[.*?\\\]"  # \\ and \$; \( math \) and \[ math \]
    rf"|(?P<accent>{_ACCENT})"  # \"o, \"{o}, \c{c}, \c c, \v{\i}
    rf"|{_SPECIAL_WORD})"  # \o, \ss{}, \l\ , \o ren
    r"|\$(?:\$.+?\$\$|(?:[^$\\]|\\.)[^$\\]*(?:\\.[^$\\]*)*\$)"  # $$ math $$ and $ math $ (\$ inside it)
    rf"|\{{\\(?P<braced>{_ACCENT}|{_SPECIAL})\}}",  # {\"o}, {\v{S}}, {\o}, {\i}
    re.DOTALL,
)
# The same, in parts (``_convert_pass``).  An expression whose matches start with one fixed character is searched
# for several times faster than one whose matches start with any of a few ("\", "$", "{"), so the spans are found by
# one that starts with "\", "$" math by one that starts with "$", and a "{" before and "}" after a span are looked at
# once it is found.  "\(" and "\[" math, rare, leave the text to the one expression.
_BACKSLASH_SPANS = re.compile(rf"\\(?:[\\$]|(?P<open>[(\[])|(?P<accent>{_ACCENT})|{_SPECIAL_WORD})", re.DOTALL)
_DOLLAR_MATH = re.compile(r"\$(?:\$.+?\$\$|(?:[^$\\]|\\.)[^$\\]*(?:\\.[^$\\]*)*\$)", re.DOTALL)
# Cheap test for whether a text with a backslash may hold an accent at all (most hold only math).
_MAY_HAVE_ACCENT = re.compile(r"\\(?:[\"'`^~=.]|(?:[uvHckrdbijoOlL]|ss|ae|AE|oe|OE|aa|AA)(?![A-Za-z]))")
_nfc = unicodedata.normalize


@lru_cache(maxsize=8192)
def _span_text(tail: str) -> str:
    """One accent or special-letter span, given without its backslash, as Unicode (NFC), by pylatexenc; the span
    as written if that fails."""
    span = "\\" + tail
    # pylatexenc reads a letter right after a macro name as part of it, a non-ASCII one too: \cç is \c{ç}
    source = f"\\{tail[0]}{{{tail[1:]}}}" if tail[0] in "uvHckrdb" and tail[1:2].isalpha() else span
    try:
        text = _converter().latex_to_text(source)
    except Exception:  # noqa: BLE001 - an unreadable span stays as written
        return span
    text = _nfc("NFC", text)
    # the argument's letter comes first, accented; nothing in it is a backslash, a space or not printable
    if not text[:1].isalpha() or "\\" in text or " " in text or not text.isprintable():
        return span
    return text


def _replace(match: re.Match[str]) -> str:
    name = match.lastgroup  # None for math and escapes (their groups are not named)
    return match.group(0) if name is None else _span_text(match.group(name))


def _dollar_math(text: str) -> list[tuple[int, int]]:
    """Where ``text``'s "$" and "$$" math is, as ``_ACCENT_SPANS`` finds it (a "\\$" is a dollar, not math)."""
    spans = []
    start = 0
    while True:
        for math in _DOLLAR_MATH.finditer(text, start):
            begin = math.start()
            if begin and text[begin - 1] == "\\":
                before = begin - 1
                while before and text[before - 1] == "\\":
                    before -= 1
                if (begin - before) % 2:  # an odd run of backslashes: \$, \\\$; math may start after it
                    start = begin + 1
                    break
            spans.append(math.span())
        else:
            return spans


def _convert_pass(text: str, first: int) -> tuple[str, bool]:
    """One pass of ``_ACCENT_SPANS`` over ``text``, whose first backslash is at ``first``; and whether another pass
    may convert more: a backslash comes right before a span this one converted (``\\"\\o``, ``\\~{\\^e}``)."""
    math = _dollar_math(text) if "$" in text else []
    again = False
    pieces = []
    done = 0  # text[:done] is in pieces
    next_math = 0  # math[next_math:] ends after the span in hand
    size = len(text)
    for match in _BACKSLASH_SPANS.finditer(text, first):
        name = match.lastgroup
        if name is None:  # \\ or \$
            continue
        if name == "open":
            return _ACCENT_SPANS.sub(_replace, text), True
        begin, end = match.span()
        if math:
            while next_math < len(math) and math[next_math][1] <= begin:
                next_math += 1
            if next_math < len(math) and math[next_math][0] < begin:  # in math
                continue
        if begin and end < size and text[begin - 1] == "{" and text[end] == "}" and match.end(name) == end:
            begin -= 1  # {\"o}, {\o}: the group goes too
            end += 1
        if not again:
            before = begin
            while before > done and (text[before - 1] == "{" or text[before - 1].isspace()):
                before -= 1  # what may stand between an accent and its argument
            # an accent (\", \c) or the start of a macro name (\a + e̋ is \ae) right before the span
            again = "\\" in text[max(done, before - 2):before]
        pieces.append(text[done:begin])
        pieces.append(_span_text(match.group(name)))
        done = end
    if not pieces:
        return text, False
    pieces.append(text[done:])
    return "".join(pieces), again


def convert_accents(text: str) -> str:
    """``text`` with its LaTeX accents and special letters as Unicode (NFC); everything else, math included, as
    written: ``Gr\\"obner bases for $\\alpha$-nets`` -> ``Gröbner bases for $\\alpha$-nets``.

    Text without a backslash is returned as it is (the very object), and so is text without an accent.  Passes repeat
    while an accent applies to a letter an earlier pass made (``\\~{\\^e}``, ``\\"\\o``), so converting twice gives
    what converting once does; each pass that changes the text removes a backslash from it, so they end.
    """
    first = text.find("\\")
    if first < 0:
        return text
    # A first pass over ASCII text leaves NFC text: each span is NFC and starts with a Latin letter, which composes
    # with nothing before it, and ASCII after it composes with nothing.  Other text is NFC before and after each pass.
    normalize = not text.isascii()
    current = text
    if normalize:
        current = _nfc("NFC", text)
        first = current.find("\\")
    if _MAY_HAVE_ACCENT.search(current, first) is None:
        return text
    while True:
        converted, again = _convert_pass(current, first)
        if normalize:
            converted = _nfc("NFC", converted)
        if converted == current:
            break
        current = converted
        normalize = True
        first = current.find("\\")
        if not again or first < 0:
            break
    return text if current == text else current
