"""The normalised paper record, and the text and date normalisation every source uses."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from itertools import islice
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from typing import Any

# Strings that sources put where an abstract is missing.  Compared after
# normalisation, case-insensitively.  Scopus writes "[No abstract available]".
PLACEHOLDER_ABSTRACTS = frozenset(
    {"none", "nan", "na", "n/a", "null", "[no abstract available]", "no abstract available", "-", "abstract"}
)
# Shortest usable abstract, in tokens (words and punctuation marks, as a tokenizer sees them):
# "Abstract." is 2 tokens and unusable; "We study toy topics." is 5 and usable.
MIN_ABSTRACT_TOKENS = 5
_TOKEN = re.compile(r"\w+|[^\w\s]")
# arXiv's withdrawal notices put where the abstract was: "This paper has been withdrawn by the authors."
_WITHDRAWN = re.compile(r"^\W*(?:(?:this|the)\s+(?:paper|article|submission|manuscript|preprint|version)\s+"
                        r"(?:has|had|is|was)\s+(?:been\s+)?|paper\s+(?:is\s+)?)withdrawn\b", re.IGNORECASE)

_PARA = re.compile(r"\n\s*\n+")
_nfc = unicodedata.normalize
_ASCII_SPACES = bytes(c for c in range(128) if chr(c).isspace() and c != 32)
# For ASCII text, ``not text.encode().translate(None, PRINTABLE_ASCII)`` is ``text.isprintable()``, several times faster.
PRINTABLE_ASCII = bytes(range(0x20, 0x7F))
_PLACEHOLDER_MAX = max(map(len, PLACEHOLDER_ABSTRACTS))


def collapse_spaces(text: str) -> str:
    """Every run of spaces in ``text`` as one space (other whitespace is left alone)."""
    text = text.replace("   ", " ")  # a wrapped line's "\n  " first: one pass instead of two
    while "  " in text:
        text = text.replace("  ", " ")
    return text


def normalize_text(text: Any) -> str | None:
    """Clean whitespace in a title or abstract; ``None`` for missing values.

    Unicode is NFC-normalised; single wrapping newlines become one space;
    a blank line (paragraph break) becomes a single newline-free paragraph
    separator (``"\\n\\n"`` is kept as one ``" "`` boundary, never gluing words);
    runs of spaces collapse; ends are stripped.
    """
    if text is None:
        return None
    if type(text) is str:
        # Fast path: after newlines become spaces, if the only whitespace left is single ASCII spaces, there is
        # no paragraph break and nothing to collapse; if it is runs of spaces and there is no paragraph break,
        # collapsing the runs is all there is to do.  (Every whitespace character but the space is non-printable;
        # in ASCII text the whitespace characters are the space and _ASCII_SPACES.)
        if text.isascii():
            flat = text.replace("\n", " ").strip()
            if not flat.encode().translate(None, PRINTABLE_ASCII):  # printable: the only whitespace left is the space
                if "  " not in flat:
                    return flat or None
                if "\n" not in text or not _PARA.search(text):  # one paragraph: collapse the runs of spaces
                    return collapse_spaces(flat) or None
        else:
            text = _nfc("NFC", text)
            flat = text.replace("\n", " ").strip()
            if flat.isprintable() and "  " not in flat:
                return flat or None
        if "\n" not in text or not _PARA.search(text):  # one paragraph
            return " ".join(text.split()) or None
        paragraphs = _PARA.split(text)
        return "\n\n".join(joined for joined in (" ".join(p.split()) for p in paragraphs) if joined) or None
    elif isinstance(text, float):  # pandas NaN
        return None
    else:
        text = _nfc("NFC", str(text))
    paragraphs = _PARA.split(text) if "\n" in text else [text]
    cleaned = "\n\n".join(joined for joined in (" ".join(p.split()) for p in paragraphs) if joined)
    return cleaned or None


def abstract_problem(abstract: Any, *, min_tokens: int = MIN_ABSTRACT_TOKENS) -> str | None:
    """Why a raw abstract value is unusable for embedding, or ``None`` if usable.

    Reasons: ``null`` (None or NaN), ``empty``, ``whitespace``,
    ``placeholder:'<text>'``, ``withdrawn`` (a withdrawal notice), ``too short (<N tokens)``.  A source whose record
    lacks the field altogether reports ``absent`` itself.
    """
    if abstract is None or isinstance(abstract, float):
        return "null"
    abstract = str(abstract)
    if abstract == "":
        return "empty"
    stripped = abstract.strip()
    if not stripped:
        return "whitespace"
    # str.lower() never shortens a string, so a longer text cannot be a placeholder
    if len(stripped) <= _PLACEHOLDER_MAX and stripped.lower() in PLACEHOLDER_ABSTRACTS:
        return f"placeholder:'{stripped}'"
    if _WITHDRAWN.match(stripped):
        return "withdrawn"
    # every whitespace-separated piece holds at least one token, so enough pieces means enough tokens
    if len(stripped.split(None, min_tokens)) >= min_tokens:
        return None
    if sum(1 for _ in islice(_TOKEN.finditer(stripped), min_tokens)) < min_tokens:
        return f"too short (<{min_tokens} tokens)"
    return None


def text_hash(text: str) -> str:
    """Stable key for a normalised text (sha256 hex)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# The exact RFC 2822 form of the arXiv snapshot's ``created`` (UTC); anything else takes the general path.
_RFC2822_GMT = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                          r"([1-9][0-9]{3}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) GMT\Z")
_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}


def parse_date(value: Any) -> date | None:
    """Parse ISO dates, ISO timestamps (converted to UTC) and RFC 2822 dates."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return (value.astimezone(timezone.utc) if value.tzinfo else value).date()
    if isinstance(value, date):
        return value
    if type(value) is str:
        fast = _RFC2822_GMT.match(value)
        if fast:  # the arXiv snapshot's "Mon, 2 Apr 2007 19:18:42 GMT"
            day, month, year, hour, minute, second = fast.groups()
            if hour < "24" and minute < "60" and second < "60":
                try:
                    return date(int(year), _MONTHS[month], int(day))
                except ValueError:
                    return None
    text = str(value).strip()
    if text[:1].isdigit():  # RFC 2822 dates start with a weekday name or the day; ISO with the year
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return (parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed).date()
        except ValueError:
            pass
    from email.utils import parsedate_to_datetime

    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return (parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed).date()


@dataclass
class Paper:
    """One paper, normalised.  ``id`` is the canonical identity (see ``identity``).

    ``date`` is the first version's date; ``title``/``abstract`` are the latest
    version's text.  Missing values are ``None`` (never the string ``"None"``).
    """

    id: str
    title: str | None = None
    abstract: str | None = None
    authors: list[str] = field(default_factory=list)
    date: str | None = None  # ISO YYYY-MM-DD of the first version
    year: int | None = None
    categories: list[str] = field(default_factory=list)
    primary_category: str | None = None
    venue: str | None = None
    doi: str | None = None
    source: str = ""
    source_id: str | None = None
    abstract_missing: str | None = None  # reason the abstract is unusable; None if usable
    versions_seen: list[int] = field(default_factory=list)
    text_version: int | None = None  # which version's title/abstract is kept
    n_source_records: int = 1
    sources: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.title = normalize_text(self.title)
        if self.abstract_missing is None:
            self.abstract_missing = abstract_problem(self.abstract)
        self.abstract = None if self.abstract_missing else normalize_text(self.abstract)
        if self.date and self.year is None:
            self.year = int(self.date[:4])
        if self.categories and self.primary_category is None:
            self.primary_category = self.categories[0]
        if not self.sources and self.source:
            self.sources = [self.source]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Paper":
        return cls(**data)
