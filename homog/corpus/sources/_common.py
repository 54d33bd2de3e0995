"""Helpers shared by the source readers: building a ``Paper`` with its identity, and safe field parsing."""
from __future__ import annotations

import codecs
import gzip
import io
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from homog.corpus.identity import canonical_id, looks_like_arxiv_id, normalize_doi, parse_arxiv_id, year_from_arxiv_id
from homog.corpus.record import Paper, normalize_text, parse_date
from homog.corpus.sources.latex import convert_accents
from homog.errors import HomogError

_PY_STRING = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"")
_YEAR = re.compile(r"^\s*(\d{4})(?:\.0+)?\s*$")
_AND = re.compile(r",\s*and\s+|\s+and\s+|,")


def parse_year(value: Any) -> int | None:
    """A four-digit year from an int or text (``"2020"``, ``"2020.0"``); ``None`` if empty."""
    if value is None or value == "" or isinstance(value, float) and value != value:
        return None
    if isinstance(value, int):
        return value
    match = _YEAR.match(str(value))
    if not match:
        raise HomogError(f"year '{value}' is not a four-digit year")
    return int(match.group(1))


def parse_list_string(text: str | None) -> list[str]:
    """Items of a list written as text: ``"['cs.CV', 'cs.LG']"`` (Python/JSON style) or ``"cs.CV cs.LG"``.

    Parsed as data with a regular expression; nothing is evaluated.
    """
    if not text or not text.strip():
        return []
    text = text.strip()
    if text.startswith("["):
        return [(a or b).strip() for a, b in _PY_STRING.findall(text) if (a or b).strip()]
    return text.split()


def parse_python_versions(text: str | None) -> list[tuple[int, str]]:
    """``(version number, created)`` pairs from a Python-repr ``versions`` string of the arXiv snapshot."""
    strings = [a or b for a, b in _PY_STRING.findall(text or "")]
    pairs = []
    for key, value in zip(strings[::2], strings[1::2]):
        if key == "version":
            pairs.append([int(value.lstrip("v")), None])
        elif key == "created" and pairs:
            pairs[-1][1] = value
    return [(number, created) for number, created in pairs]


def split_authors(text: str | None) -> list[str]:
    """Author names from one string: ``;``-separated (Scopus, IEEE) or ``A, B and C`` (arXiv).

    LaTeX accents in the names become Unicode (``Gon\\c{c}alves`` -> ``Gonçalves``), each name on its own after
    the split.
    """
    if not text or not text.strip():
        return []
    text = re.sub(r"\s+", " ", text)
    parts = text.split(";") if ";" in text else _AND.split(text)
    names = [p.strip() for p in parts if p.strip()]
    if "\\" in text:
        names = [convert_accents(name) for name in names]
    return names


def _without_accent_markup(value: Any) -> Any:
    """A text field with its LaTeX accents as Unicode (``convert_accents``); anything but a string as it is."""
    return convert_accents(value) if type(value) is str and "\\" in value else value


def build_paper(*, source: str, raw_id: Any = None, doi: Any = None, title: Any = None, abstract: Any = None,
                year: Any = None, date: Any = None, categories: Iterable[str] = (),
                versions: Iterable[int] = (), text_version: int | None = None,
                abstract_missing: str | None = None, source_id: Any = None, **fields: Any) -> Paper:
    """A ``Paper`` with its canonical id; raises ``HomogError`` if the record cannot be identified.

    ``raw_id`` is tried as an arXiv id only when it looks like one (a row
    number or a publisher's record id is kept as ``source_id`` instead).
    LaTeX accents in the title, abstract and author names become Unicode
    (``latex.convert_accents``; math and other markup stay as written), before
    the title is used for the paper's identity.
    """
    title = _without_accent_markup(title)
    abstract = _without_accent_markup(abstract)
    authors = fields.get("authors")
    if type(authors) is list and any(type(name) is str and "\\" in name for name in authors):
        fields["authors"] = [_without_accent_markup(name) for name in authors]
    arxiv = parse_arxiv_id(raw_id) if raw_id not in (None, "") and looks_like_arxiv_id(raw_id) else None
    cats = list(categories)
    if arxiv and arxiv.category and arxiv.category not in cats:
        cats.append(arxiv.category)
    day = parse_date(date)
    year_num = parse_year(year)
    if year_num is None and day is not None:
        year_num = day.year
    if year_num is None and arxiv is not None:
        year_num = year_from_arxiv_id(arxiv.id)
    norm_doi = normalize_doi(doi)
    versions_seen = sorted(set(versions) | ({arxiv.version} if arxiv and arxiv.version else set()))
    if text_version is None:
        text_version = max(versions_seen) if versions_seen else None
    raw_source_id = source_id if source_id not in (None, "") else raw_id
    paper_id = canonical_id(arxiv_id=arxiv.id if arxiv else None, doi=norm_doi, title=str(title or ""),
                            year=year_num, record_id=None if raw_id in (None, "") else str(raw_id))
    if paper_id is None:
        raise HomogError("no arXiv id, DOI, title or record id; cannot identify the paper")
    if fields.get("venue") is not None:
        fields["venue"] = normalize_text(fields["venue"])
    return Paper(
        id=paper_id, title=title, abstract=abstract, abstract_missing=abstract_missing,
        date=day.isoformat() if day else None, year=year_num, categories=cats, doi=norm_doi,
        source=source, source_id=None if raw_source_id in (None, "") else str(raw_source_id),
        versions_seen=versions_seen, text_version=text_version, **fields,
    )


def is_gzip(path: Path) -> bool:
    """True if the file starts with the gzip magic bytes."""
    with open(path, "rb") as head:
        return head.read(2) == b"\x1f\x8b"


READ_BUFFER = 1 << 20  # 1 MiB: reading a large file line by line makes a third as many system calls per line


def open_binary(path: Path) -> IO[bytes]:
    """Open a file for reading bytes (buffered in 1 MiB reads), transparently gunzipping it."""
    if is_gzip(path):
        return io.BufferedReader(gzip.GzipFile(path, "rb"), READ_BUFFER)
    return open(path, "rb", buffering=READ_BUFFER)


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@lru_cache(maxsize=64)
def _encoding(path: Path, size: int, mtime: float) -> tuple[str, str | None]:
    with open_binary(path) as handle:
        head = handle.read(4)
        for bom, name in _BOMS:
            if head.startswith(bom):
                return name, None
        decoder = codecs.getincrementaldecoder("utf-8")()
        handle.seek(0)
        offset = 0
        while block := handle.read(READ_BUFFER):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                where = offset + exc.start
                return "cp1252", f"not valid UTF-8 (byte 0x{block[exc.start]:02x} at offset {where:,}); read as " \
                                 "Windows-1252 (Latin-1), so check its accented characters"
            offset += len(block)
    return "utf-8", None


def text_encoding(path: Path) -> tuple[str, str | None]:
    """The encoding a text file is read with, and a note when it is not UTF-8: a byte-order mark says UTF-8 or
    UTF-16; a file that is not valid UTF-8 is read as Windows-1252 (every byte is a character there, and it is what
    spreadsheet exports that are not UTF-8 usually are)."""
    stat = Path(path).stat()
    return _encoding(Path(path), stat.st_size, stat.st_mtime)


def open_text(path: Path, newline: str | None = None) -> IO[str]:
    """Open a text file in its encoding (``text_encoding``), transparently gunzipping it."""
    encoding, _ = text_encoding(path)
    # cp1252 leaves five bytes undefined; reading them as their Latin-1 characters never fails
    errors = "strict" if encoding != "cp1252" else "latin1_fallback"
    if is_gzip(path):
        return gzip.open(path, "rt", encoding=encoding, errors=errors, newline=newline)
    return open(path, encoding=encoding, errors=errors, newline=newline)


def _latin1_fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start:exc.end].decode("latin-1"), exc.end


codecs.register_error("latin1_fallback", _latin1_fallback)
