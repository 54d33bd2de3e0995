"""Reader for the Kaggle / OAI arXiv metadata snapshot (JSON lines), streamed line by line.

Date = first version's ``created`` (RFC 2822, UTC); title/abstract are the
snapshot's, i.e. the latest version's text (``text_version`` = highest version).

Speed: the full snapshot has ~2.7 million records, so each line takes a fast
path when the record has the snapshot's usual shape (decoded and type-checked
in one step by ``msgspec`` into a struct of the fields used; a plain valid
arXiv id; ``vN`` versions), built straight into a ``Paper``.  Anything else --
a malformed line, an odd field type, an id that needs the full parser, an
error -- is redone by the general path (stdlib ``json`` and
``record_to_paper``), so the result is exactly what the general path gives.
Memory stays bounded: one line at a time, read in 1 MiB blocks.

LaTeX accents in titles, abstracts and author names become Unicode on both
paths (``latex.convert_accents``, as ``build_paper`` applies it; math stays as
written); text without a backslash costs one ``"\\\\" in text`` test.
"""
from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import msgspec

from homog.corpus.identity import is_plain_arxiv_id, normalize_doi, year_from_arxiv_id
from homog.corpus.record import (_MONTHS, _PARA, _WITHDRAWN, MIN_ABSTRACT_TOKENS, PRINTABLE_ASCII, Paper,
                                  abstract_problem, collapse_spaces, normalize_text, parse_date)
from homog.corpus.sources._common import build_paper, open_binary, split_authors
from homog.corpus.sources._json import json_error_reason
from homog.corpus.sources.latex import convert_accents
from homog.errors import HomogError, Problem

SOURCE = "arxiv-snapshot"
_new_paper = object.__new__


def category_matches(categories: list[str], wanted: Iterable[str]) -> bool:
    """True if any category equals a wanted one, or starts with it (``cs.`` or ``cs`` matches ``cs.LG``)."""
    for want in wanted:
        prefix = want if want.endswith(".") else want + "."
        if any(cat == want or cat.startswith(prefix) for cat in categories):
            return True
    return False


def _category_matcher(wanted: list[str]) -> Callable[[list[str]], bool]:
    """``category_matches`` with ``wanted`` fixed, precomputed once per file."""
    exact = frozenset(wanted)
    prefixes = tuple(want if want.endswith(".") else want + "." for want in wanted)

    def matches(categories: list[str]) -> bool:
        for cat in categories:
            if cat in exact or cat.startswith(prefixes):
                return True
        return False

    return matches


def _as_date(value: str | date | None) -> date | None:
    return parse_date(value) if value is not None else None


def _author_name(parts: list[str]) -> str:
    """``[last, first, suffix]`` (any of them may be missing) as ``"first last suffix"``."""
    last, first, suffix = (list(parts) + ["", "", ""])[:3]
    return " ".join(part for part in (first, last, suffix) if part).strip()


def record_to_paper(rec: dict[str, Any], *, source: str = SOURCE) -> Paper:
    """One snapshot record (already decoded) as a ``Paper``; raises ``HomogError`` if unidentifiable."""
    versions = rec.get("versions") or []
    numbers = [int(str(v.get("version", "")).lstrip("v")) for v in versions if str(v.get("version", "")).lstrip("v").isdigit()]
    created = versions[0].get("created") if versions else None
    parsed = rec.get("authors_parsed")
    if parsed:
        authors = [_author_name(p) for p in parsed]
    else:
        authors = split_authors(rec.get("authors"))
    if rec.get("id") in (None, ""):
        raise HomogError("record has no 'id'")
    return build_paper(
        source=source, raw_id=str(rec["id"]), doi=rec.get("doi"), title=rec.get("title"),
        abstract=rec.get("abstract"), date=created, categories=(rec.get("categories") or "").split(),
        versions=numbers, text_version=max(numbers) if numbers else None, authors=authors,
        venue=rec.get("journal-ref"),
    )


# --- fast-path tables -----------------------------------------------------------------------------------------
# New-scheme id prefix "YYMM." -> the only id length ``is_plain_arxiv_id`` accepts with it (4 digits after the dot
# for 0704-1412, 5 from 1501 on); other ids ask ``is_plain_arxiv_id`` itself.
_NEW_ID_LENGTH = {f"{yy:02d}{mm:02d}.": 9 if yy * 100 + mm < 1501 else 10
                  for yy in range(7, 100) for mm in range(1, 13) if yy * 100 + mm >= 704}
# The usual version labels, in order: a record whose labels are v1..vN has versions_seen [1..N].
_VERSION_LABELS = [f"v{n}" for n in range(1, 201)]
# ``created`` exactly as the snapshot writes it: the date part (cached) and the 13-character time part, which
# together match record._RFC2822_GMT with a valid time (anything else takes ``parse_date``).
_CREATED_TIME = re.compile(r" (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9] GMT\Z")
_CREATED_DAY = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{1,2}) "
                          r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9][0-9]{3})")
_DAYS: dict[str, tuple[int, str, str] | None] = {}  # date part -> (year, "YYYY-MM", "-DD"), or None: not fast
_DAYS_MAX = 200_000
_NOT_CACHED = object()
_WITHDRAWN_FIRST = frozenset("tTpP")  # after its leading non-word characters, a withdrawal notice starts so
_TIMES: dict[str, bool] = {}  # time part -> whether it is a valid " HH:MM:SS GMT" (at most 86,400 + a few)
_TIMES_MAX = 100_000


def _valid_time(part: str) -> bool:
    """``_CREATED_TIME.fullmatch(part)``, cached."""
    valid = _TIMES.get(part)
    if valid is None:
        valid = _CREATED_TIME.fullmatch(part) is not None
        if len(_TIMES) < _TIMES_MAX:
            _TIMES[part] = valid
    return valid


def _created_day(part: str) -> tuple[int, str, str] | None:
    """``(year, "YYYY-MM", "-DD")`` of a ``created`` date part ("Mon, 2 Apr 2007"), or ``None``."""
    match = _CREATED_DAY.fullmatch(part)
    if match is None:
        return None
    day, month, year = match.groups()
    try:
        iso = date(int(year), _MONTHS[month], int(day)).isoformat()
    except ValueError:
        return None
    return int(year), iso[:7], iso[7:]


class _Version(msgspec.Struct, gc=False):
    version: str
    created: str | None = None


class _Record(msgspec.Struct, rename={"journal_ref": "journal-ref"}, gc=False):
    """The snapshot fields the fast path uses, decoded and type-checked in one step (other fields are skipped)."""

    id: str
    versions: list[_Version]
    title: str | None = None
    abstract: str | None = None
    doi: str | None = None
    journal_ref: str | None = None
    categories: str | None = None
    authors: str | None = None
    authors_parsed: list[list[str]] | None = None


_decode_record = msgspec.json.Decoder(_Record).decode


def _fast_record_to_paper(rec: _Record, cats: list[str]) -> Paper | None:
    """``record_to_paper`` of the same record, for a record of the snapshot's usual shape; ``None`` for any other.

    ``cats`` is the record's ``categories`` split.  May raise on an odd record; the caller then takes the
    general path, which decides what that record gives.
    """
    raw_id = rec.id
    if not (_NEW_ID_LENGTH.get(raw_id[:5]) == len(raw_id) and raw_id[5:].isdigit() and raw_id.isascii()) \
            and not is_plain_arxiv_id(raw_id):
        return None
    versions = rec.versions
    if not versions:
        return None
    count = len(versions)
    if count == 1 and versions[0].version == "v1":
        versions_seen = [1]
        text_version = 1
    elif [version.version for version in versions] == _VERSION_LABELS[:count]:
        versions_seen = list(range(1, count + 1))
        text_version = count
    else:
        numbers = []
        for label in (version.version for version in versions):
            digits = label.lstrip("v")
            if digits.isdigit():
                if not digits.isascii():
                    return None
                numbers.append(int(digits))
        versions_seen = sorted(set(numbers))
        text_version = max(numbers) if numbers else None
    parsed = rec.authors_parsed
    if parsed:
        # [last, first, ""] -> "first last" (== " ".join of the non-empty ones, stripped); others as _author_name
        authors = [f"{parts[1]} {parts[0]}".strip() if len(parts) == 3 and not parts[2] else _author_name(parts)
                   for parts in parsed]
        if "\\" in "".join(authors):  # LaTeX accents, as build_paper converts them
            authors = [convert_accents(name) if "\\" in name else name for name in authors]
    else:
        authors = split_authors(rec.authors)
    created = versions[0].created
    day = _NOT_CACHED
    if created is not None and _valid_time(created[-13:]):
        part = created[:-13]
        day = _DAYS.get(part, _NOT_CACHED)
        if day is _NOT_CACHED:
            day = _created_day(part)
            if len(_DAYS) < _DAYS_MAX:
                _DAYS[part] = day
    if day is _NOT_CACHED or day is None:
        parsed_day = parse_date(created)
        iso_day = parsed_day.isoformat() if parsed_day else None
        year = parsed_day.year if parsed_day else year_from_arxiv_id(raw_id)
    else:
        year, month_part, day_part = day
        iso_day = month_part + day_part  # a new string per paper, as date.isoformat() gives
    # the abstract: normalised and judged at once when it is plain ASCII text (see normalize_text's fast path);
    # LaTeX accents in it (and in the title) first become Unicode, as build_paper converts them
    abstract = rec.abstract
    clean = None
    if abstract is not None and abstract.isascii():
        flat = abstract.replace("\n", " ").strip()
        printable = not flat.encode().translate(None, PRINTABLE_ASCII)
        if "\\" in flat:
            converted = convert_accents(abstract)
            if converted is not abstract:
                # still judged here: the accented letters that replace printable ASCII are printable, and the
                # text is NFC (convert_accents of ASCII text), so normalize_text would do what follows
                abstract = converted
                flat = abstract.replace("\n", " ").strip()
        if printable:
            if "  " in flat:
                if "\n" in abstract and _PARA.search(abstract):  # paragraphs: normalize_text decides
                    flat = None
                else:
                    flat = collapse_spaces(flat)
            # enough words: not short, not a placeholder
            if flat is not None and (flat.count(" ", 0, 100) >= MIN_ABSTRACT_TOKENS - 1
                                     or flat.count(" ") >= MIN_ABSTRACT_TOKENS - 1):
                clean = flat
    elif abstract is not None and "\\" in abstract:
        abstract = convert_accents(abstract)
    if clean is not None:
        first = clean[0]
        missing = "withdrawn" if (first in _WITHDRAWN_FIRST or not (first.isalnum() or first == "_")) \
            and _WITHDRAWN.match(abstract) else None
        if missing:
            clean = None
    else:
        missing = abstract_problem(abstract)
        clean = None if missing else normalize_text(abstract)
    title = rec.title
    if title is not None and "\\" in title:
        title = convert_accents(title)
    if title is not None and title.isascii():  # normalize_text's fast path, inline
        clean_title = title.replace("\n", " ").strip()
        if not clean_title.isprintable():
            clean_title = normalize_text(title)
        elif "  " in clean_title:  # a wrapped title ("...\n  ..."), or runs of spaces; or paragraphs
            clean_title = normalize_text(title) if "\n" in title and _PARA.search(title) \
                else collapse_spaces(clean_title)
        elif not clean_title:
            clean_title = None
    else:
        clean_title = normalize_text(title)
    venue, doi = rec.journal_ref, rec.doi
    paper = _new_paper(Paper)
    # the same fields, in the same order, as Paper.__init__ / __post_init__ give via build_paper
    paper.__dict__ = {
        "id": raw_id,
        "title": clean_title,
        "abstract": clean,
        "authors": authors,
        "date": iso_day,
        "year": year,
        "categories": cats,
        "primary_category": cats[0] if cats else None,
        "venue": None if venue is None else normalize_text(venue),
        "doi": None if doi is None else (doi.strip().lower() or None) if doi.startswith("10.") else normalize_doi(doi),
        "source": SOURCE,
        "source_id": raw_id,
        "abstract_missing": missing,
        "versions_seen": versions_seen,
        "text_version": text_version,
        "n_source_records": 1,
        "sources": [SOURCE],
    }
    return paper


def _universal_lines(text: str) -> list[str]:
    """``text`` split as a text-mode file splits it: ``\\r\\n``, ``\\r`` and ``\\n`` end lines, read as ``\\n``."""
    parts = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


class _Filters:
    """The category and date filters of one ``read`` call."""

    def __init__(self, categories: Iterable[str] | str | None, date_from: str | date | None,
                 date_to: str | date | None):
        self.wanted = [categories] if isinstance(categories, str) else list(categories or [])
        self.matches = _category_matcher(self.wanted) if self.wanted else None
        low, high = _as_date(date_from), _as_date(date_to)
        self.by_date = bool(low or high)
        self.low = low.isoformat() if low else None
        self.high = high.isoformat() if high else None

    def date_rejects(self, paper: Paper) -> bool:
        return self.by_date and (paper.date is None or (self.low is not None and paper.date < self.low)
                                 or (self.high is not None and paper.date > self.high))


def _general_line(line: str, name: str, line_no: int, filters: _Filters) -> Paper | Problem | None:
    """One text line by the general path: the paper, a problem, or ``None`` (blank or filtered out)."""
    if not line.strip():
        return None
    where = f"line {line_no}"
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as exc:
        return Problem(name, where, json_error_reason(exc))
    if not isinstance(rec, dict):
        return Problem(name, where, "not a JSON object")
    if filters.wanted and not category_matches((rec.get("categories") or "").split(), filters.wanted):
        return None
    try:
        paper = record_to_paper(rec)
    except (HomogError, ValueError, TypeError, AttributeError) as exc:
        return Problem(name, where, getattr(exc, "reason", str(exc)))
    return None if filters.date_rejects(paper) else paper


def _undecodable(name: str, line_no: int, exc: UnicodeDecodeError) -> Problem:
    """The problem of a line that is not UTF-8 (the snapshot is UTF-8 throughout: the line is damaged)."""
    return Problem(name, f"line {line_no}", f"not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at column "
                                            f"{exc.start + 1})")


def _read_lines(lines: Iterable[bytes], name: str, filters: _Filters, first_line_no: int = 1
                ) -> Iterator[Paper | Problem]:
    """Papers and problems from raw (binary) lines, numbered as a text-mode reading of them would number them."""
    matches = filters.matches
    by_date = filters.by_date
    decode = _decode_record
    line_no = first_line_no - 1
    for raw in lines:
        line_no += 1
        cr = raw.find(b"\r")
        if cr != -1 and not (cr == len(raw) - 2 and raw.endswith(b"\n")):
            # a lone CR ends a line in text mode: each piece is a line of its own
            try:
                pieces = _universal_lines(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                yield _undecodable(name, line_no, exc)
                continue
            for offset, piece in enumerate(pieces):
                item = _general_line(piece, name, line_no + offset, filters)
                if item is not None:
                    yield item
            line_no += len(pieces) - 1
            continue
        if raw[0] != 123 and not raw.strip():  # 123: "{", which starts every record
            continue
        try:
            rec = decode(raw)
        except msgspec.DecodeError:  # malformed, or not the usual shape: the general path decides
            paper = None
        else:
            cats_text = rec.categories
            cats = cats_text.split() if cats_text else []
            if matches is not None and not matches(cats):
                continue
            try:
                paper = _fast_record_to_paper(rec, cats)
            except Exception:  # an odd record: the general path decides
                paper = None
        if paper is None:
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield _undecodable(name, line_no, exc)
                continue
            item = _general_line(line.replace("\r\n", "\n") if cr != -1 else line, name, line_no, filters)
            if item is not None:
                yield item
            continue
        if by_date and filters.date_rejects(paper):
            continue
        yield paper


def read(path: Path, *, categories: Iterable[str] | str | None = None, date_from: str | date | None = None,
         date_to: str | date | None = None, **_: Any) -> Iterator[Paper | Problem]:
    """Stream papers from a snapshot file, applying category and date filters while reading."""
    path = Path(path)
    filters = _Filters(categories, date_from, date_to)
    with open_binary(path) as handle:
        if handle.peek(3)[:3] == codecs.BOM_UTF8:  # a byte-order mark is not part of the first record
            handle.read(3)
        yield from _read_lines(handle, path.name, filters)
