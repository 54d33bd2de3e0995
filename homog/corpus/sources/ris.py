"""Readers for tagged reference files through rispy: RIS (``TY  - ``) and Web of Science plain text (``PT J``).

Each record becomes a paper; a record rispy cannot read, or one without
identity, is a problem naming the record number and its title if any.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import rispy

from homog.corpus.record import Paper
from homog.corpus.sources._common import build_paper, open_text
from homog.errors import HomogError, Problem

RIS_SOURCE = "ris"
WOS_SOURCE = "web-of-science"


def _first(rec: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = rec.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if value not in (None, ""):
            return value
    return None


def _year(value: Any) -> str | None:
    text = str(value or "").strip()
    return text[:4] if text[:4].isdigit() else None


def ris_record_to_paper(rec: dict[str, Any]) -> Paper:
    """One rispy RIS record (rispy's default field names) as a ``Paper``."""
    return build_paper(
        source=RIS_SOURCE, doi=_first(rec, "doi"), title=_first(rec, "title", "primary_title"),
        abstract=_first(rec, "abstract"), abstract_missing=None if "abstract" in rec else "absent",
        year=_year(_first(rec, "year", "publication_year", "date")),
        authors=list(dict.fromkeys(rec.get("authors") or rec.get("first_authors") or [])),
        venue=_first(rec, "secondary_title", "journal_name", "alternate_title1"),
        raw_id=None, source_id=_first(rec, "id", "accession_number"),
    )


def wos_record_to_paper(rec: dict[str, Any]) -> Paper:
    """One rispy Web of Science record (rispy's WoK field names for TI, AB, PY, DI, SO, AF/AU, UT) as a ``Paper``."""
    return build_paper(
        source=WOS_SOURCE, doi=_first(rec, "doi"), title=_first(rec, "document_title"),
        abstract=_first(rec, "abstract"), abstract_missing=None if "abstract" in rec else "absent",
        year=_year(_first(rec, "publication_year")),
        authors=list(rec.get("author_full_name") or rec.get("authors") or []),
        venue=_first(rec, "publication_name"), source_id=_first(rec, "accession_number"),
    )


def _problem_where(rec: dict[str, Any], index: int) -> str:
    title = _first(rec, "document_title", "title", "primary_title")
    return f"record {index}" + (f" ({str(title)[:60]})" if title else "")


def _read(path: Path, implementation: type, convert: Any) -> Iterator[Paper | Problem]:
    name = Path(path).name
    with open_text(Path(path)) as handle:
        try:
            records = rispy.load(handle, implementation=implementation)
        except (IOError, ValueError) as exc:
            raise HomogError(f"not a readable tagged reference file ({exc})", file=name) from exc
    for index, rec in enumerate(records, start=1):
        try:
            yield convert(rec)
        except HomogError as exc:
            yield Problem(name, _problem_where(rec, index), exc.reason)


_RIS_START = re.compile(r"^TY  - ", re.MULTILINE)
_RIS_END = re.compile(r"^ER  -", re.MULTILINE)


def _ris_chunks(text: str) -> list[tuple[int, str]]:
    """(line number, text) of each record, cut where a ``TY`` line starts one: a record whose ``ER`` line is
    missing then ends where the next begins, instead of swallowing it."""
    starts = [match.start() for match in _RIS_START.finditer(text)]
    return [(text.count("\n", 0, a) + 1, text[a:b]) for a, b in zip(starts, starts[1:] + [len(text)])]


def read_ris(path: Path, **_: Any) -> Iterator[Paper | Problem]:
    """Papers and problems from a RIS file, record by record (a record rispy cannot read, or one that lacks its
    ``ER`` end line, is a problem of its own; the records around it load)."""
    name = Path(path).name
    with open_text(Path(path)) as handle:
        chunks = _ris_chunks(handle.read())
    for index, (line, chunk) in enumerate(chunks, start=1):
        complete = _RIS_END.search(chunk) is not None
        try:
            (rec,) = rispy.loads(chunk if complete else chunk.rstrip() + "\nER  - \n")
        except (ValueError, IOError, KeyError, IndexError) as exc:
            yield Problem(name, f"record {index} (line {line})", f"not a readable RIS record ({exc})")
            continue
        where = f"{_problem_where(rec, index)} at line {line}"
        if not complete:
            yield Problem(name, where, "no 'ER' line ends this record; read up to the next record", "warning")
        try:
            yield ris_record_to_paper(rec)
        except HomogError as exc:
            yield Problem(name, where, exc.reason)


def read_wos(path: Path, **_: Any) -> Iterator[Paper | Problem]:
    """Papers and problems from a Web of Science plain-text export (``FN``/``PT``/``ER`` tags)."""
    yield from _read(path, rispy.WokParser, wos_record_to_paper)
