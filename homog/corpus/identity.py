"""Paper identity: arXiv ids, DOIs, canonical ids, and merging records of one paper.

Canonical id scheme (the ``Paper.id`` every source produces):

* arXiv papers: the arXiv id without version, prefix or subject class --
  ``2101.00001`` (new scheme, 4 or 5 digits after the dot) or ``hep-th/9901001``
  (old scheme; ``math.GT/0309136`` becomes ``math/0309136`` and ``math.GT`` is
  kept as a category).  Ids are strings, never numbers.
* otherwise, with a DOI: ``doi:<normalised doi>`` (lower case, no resolver prefix).
* otherwise: ``title:<16 hex>``, the first 16 hex digits of the SHA-1 of
  ``"<normalised title>|<year or empty>"``, where the normalised title keeps only
  letters and digits, case-folded.  The same paper repeated in one table becomes
  one record; two different papers with the same title in different years do not.
* otherwise, if the source gives its own record id: ``id:<that id>``.

A record with none of these cannot be identified.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from homog.corpus.record import Paper
from homog.errors import HomogError

_PREFIX = re.compile(r"^(?:arxiv:|https?://(?:export\.)?arxiv\.org/(?:abs|pdf)/)", re.IGNORECASE)
_NEW = re.compile(r"^(\d{2})(\d{2})\.(\d{4,5})(?:v(\d+))?$")
_OLD = re.compile(r"^([a-z]+(?:-[a-z]+)*)(?:\.([A-Za-z-]{2,}))?/(\d{2})(\d{2})(\d{3})(?:v(\d+))?$")
_LOST_ZERO = re.compile(r"^(\d{3})\.(\d{1,4})(?:v(\d+))?$")
_BARE_OLD = re.compile(r"^\d{7}(?:v\d+)?$")
# Well-formed ids exactly as the snapshot writes them (ASCII digits, no prefix, version or spaces).
_FAST_NEW = re.compile(r"([0-9]{2})([0-9]{2})\.([0-9]{4,5})")
_FAST_OLD = re.compile(r"[a-z]+(?:-[a-z]+)*/([0-9]{2})([0-9]{2})[0-9]{3}")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


@dataclass(frozen=True)
class ArxivId:
    """A parsed arXiv identifier: canonical id, version (if given), subject class category (old ids)."""

    id: str
    version: int | None = None
    category: str | None = None


def parse_arxiv_id(value: object) -> ArxivId:
    """Parse an arXiv id in any common spelling; raise ``HomogError`` if it is not one.

    Accepts ``2101.00001``, ``2101.00001v3``, ``arXiv:hep-th/9901001``,
    ``http://arxiv.org/abs/math.GT/0309136v2`` and ids that lost their leading
    zero in a spreadsheet (``704.0001`` -> ``0704.0001``, ``704.2`` -> ``0704.2000``).
    """
    if type(value) is str and is_plain_arxiv_id(value):
        return ArxivId(value)
    text = _PREFIX.sub("", str(value).strip())
    if text.lower().endswith(".pdf"):
        text = text[:-4]
    lost = _LOST_ZERO.match(text)
    if lost:
        # a 3-digit prefix is 07YY-09YY, when ids had exactly 4 digits after the dot, so the zeros a
        # spreadsheet number dropped at either end (``704.2`` for ``0704.2000``) are known.
        text = f"0{lost.group(1)}.{lost.group(2).ljust(4, '0')}" + (f"v{lost.group(3)}" if lost.group(3) else "")
    new = _NEW.match(text)
    if new:
        yy, mm, number, version = new.groups()
        digits_ok = len(number) == (4 if int(yy + mm) < 1501 else 5)
        if 1 <= int(mm) <= 12 and int(yy + mm) >= 704 and digits_ok:
            return ArxivId(f"{yy}{mm}.{number}", int(version) if version else None)
    old = _OLD.match(text)
    if old:
        archive, subject, yy, mm, number, version = old.groups()
        if 1 <= int(mm) <= 12 and (int(yy) >= 91 or int(yy) <= 7):
            category = f"{archive}.{subject}" if subject else None
            return ArxivId(f"{archive}/{yy}{mm}{number}", int(version) if version else None, category)
    if _BARE_OLD.match(text):
        raise HomogError(f"arXiv id '{value}' lacks its archive (e.g. 'quant-ph/{text}'); cannot identify the paper")
    raise HomogError(f"'{value}' is not an arXiv id (expected e.g. '2101.00001' or 'hep-th/9901001')")


def is_plain_arxiv_id(text: str) -> bool:
    """True if ``text`` is a valid new- or old-scheme arXiv id already in canonical form, without prefix,
    version or subject class (``2101.00001``, ``hep-th/9901001``): ``parse_arxiv_id(text)`` is then
    ``ArxivId(text)``.  False says nothing (``parse_arxiv_id`` decides)."""
    new = _FAST_NEW.fullmatch(text)
    if new:
        yymm = int(text[:4])
        return 1 <= int(new.group(2)) <= 12 and yymm >= 704 and len(new.group(3)) == (4 if yymm < 1501 else 5)
    old = _FAST_OLD.fullmatch(text)
    if old:
        yy = int(old.group(1))
        return 1 <= int(old.group(2)) <= 12 and (yy >= 91 or yy <= 7)
    return False


def looks_like_arxiv_id(value: object) -> bool:
    """True if ``value`` is shaped like an arXiv id (valid or not), e.g. to tell it from a row number."""
    text = _PREFIX.sub("", str(value).strip())
    return bool(_NEW.match(text) or _OLD.match(text) or _LOST_ZERO.match(text) or _BARE_OLD.match(text)
                or str(value).strip().lower().startswith("arxiv:"))


def year_from_arxiv_id(arxiv_id: str) -> int:
    """Submission year encoded in a canonical arXiv id (old: 91-99 -> 19xx, 00-07 -> 20xx; new: 20YY)."""
    yy = int(arxiv_id.split("/")[1][:2]) if "/" in arxiv_id else int(arxiv_id[:2])
    if "/" in arxiv_id and yy >= 91:
        return 1900 + yy
    return 2000 + yy


def id_to_filename(paper_id: str) -> str:
    """A file-name / URL-path-safe form of a canonical id: ``/`` -> ``_``, other specials %-escaped."""
    return quote(paper_id, safe="/").replace("_", "%5F").replace("/", "_")


def filename_to_id(name: str) -> str:
    """Inverse of ``id_to_filename``."""
    return unquote(name.replace("_", "/"))


def normalize_doi(value: object) -> str | None:
    """Lower-case DOI without ``https://doi.org/`` or ``doi:`` prefix; ``None`` if empty."""
    if value is None or isinstance(value, float):
        return None
    text = _DOI_PREFIX.sub("", str(value).strip()).strip().lower()
    return text or None


_NOT_ALNUM = re.compile(r"[\W_]+")  # exactly the characters for which str.isalnum() is False


def normalize_title(title: str | None) -> str:
    """Case-folded title with only letters and digits (the title-key form)."""
    return _NOT_ALNUM.sub("", (title or "").casefold())


def title_key(title: str | None, year: int | None) -> str | None:
    """``title:<sha1 16 hex>`` for a title and year, or ``None`` without a usable title."""
    norm = normalize_title(title)
    if not norm:
        return None
    digest = hashlib.sha1(f"{norm}|{year if year is not None else ''}".encode("utf-8")).hexdigest()
    return f"title:{digest[:16]}"


def canonical_id(*, arxiv_id: str | None = None, doi: str | None = None, title: str | None = None,
                 year: int | None = None, record_id: str | None = None) -> str | None:
    """The canonical id from what a record has (see module docstring), or ``None`` if unidentifiable."""
    if arxiv_id:
        return arxiv_id
    if doi:
        return f"doi:{doi}"
    return title_key(title, year) or (f"id:{record_id}" if record_id else None)


def _union(*lists: list) -> list:
    return list(dict.fromkeys(item for items in lists for item in items))


def merge_papers(a: Paper, b: Paper) -> Paper:
    """One paper from two records of the same paper.

    Date: the earliest first-version date; title/abstract: from the record with
    the highest ``text_version`` (ties keep ``a``), falling back to the other
    record's text where it lacks one; lists are unioned; counts summed.
    """
    newer, older = (b, a) if (b.text_version or 0) > (a.text_version or 0) else (a, b)
    text_from = newer if newer.abstract is not None or older.abstract is None else older
    dates = [d for d in (a.date, b.date) if d]
    years = [y for y in (a.year, b.year) if y is not None]
    return Paper(
        id=a.id,
        title=text_from.title or newer.title or older.title,
        abstract=text_from.abstract,
        abstract_missing=text_from.abstract_missing,
        authors=newer.authors or older.authors,
        date=min(dates) if dates else None,
        year=int(min(dates)[:4]) if dates else (min(years) if years else None),
        categories=_union(newer.categories, older.categories),
        primary_category=newer.primary_category or older.primary_category,
        venue=a.venue or b.venue,
        doi=a.doi or b.doi,
        source=a.source or b.source,
        source_id=a.source_id or b.source_id,
        versions_seen=sorted(set(a.versions_seen) | set(b.versions_seen)),
        text_version=text_from.text_version,
        n_source_records=a.n_source_records + b.n_source_records,
        sources=_union(a.sources, b.sources),
    )
