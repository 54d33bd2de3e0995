"""Reader for generic JSON-lines (or one JSON array) of paper-like records.

Understood keys: ``id``/``arxiv_id`` (or Semantic Scholar ``externalIds.ArXiv``),
``doi`` (or ``externalIds.DOI``), ``title``, ``abstract``, ``year``,
``published``/``date``, ``categories`` (list or space-separated), ``authors``
(list of names, list of ``{"name": ...}``, or one string), ``venue``,
``source``.  A record without an ``abstract`` key is marked ``absent``.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from homog.corpus.record import Paper
from homog.corpus.sources._common import build_paper, open_text, split_authors
from homog.corpus.sources._json import decode_lines, papers_from_records
from homog.errors import HomogError, Problem

SOURCE = "jsonl"


def _authors(value: Any) -> list[str]:
    if isinstance(value, str):
        return split_authors(value)
    if isinstance(value, list):
        names = [a.get("name") if isinstance(a, dict) else a for a in value]
        return [str(n).strip() for n in names if n and str(n).strip()]
    return []


def _categories(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    return [str(c) for c in value] if isinstance(value, list) else []


def number_to_arxiv_id(value: float) -> str:
    """A new-style arXiv id stored as a JSON number, with the zeros a number loses put back.

    ``1910.0088`` -> ``1910.00880`` (5 digits after the dot from 1501 on, 4 before);
    ``704.0001`` -> ``0704.0001``.  Unambiguous because the digit counts are fixed.
    """
    prefix, _, number = repr(value).partition(".")
    prefix = prefix.zfill(4)
    return f"{prefix}.{number.ljust(5 if int(prefix) >= 1501 else 4, '0')}"


def _raw_id(rec: dict[str, Any]) -> str | None:
    external = rec.get("externalIds") if isinstance(rec.get("externalIds"), dict) else {}
    value = rec.get("arxiv_id") or external.get("ArXiv") or rec.get("id") or rec.get("paperId")
    if isinstance(value, float):
        value = number_to_arxiv_id(value)
    return None if value in (None, "") else str(value)


def record_to_paper(rec: dict[str, Any]) -> Paper:
    """One decoded record as a ``Paper``; raises ``HomogError`` if it cannot be identified."""
    external = rec.get("externalIds") if isinstance(rec.get("externalIds"), dict) else {}
    source = rec.get("source") or ("semantic-scholar" if "paperId" in rec else SOURCE)
    return build_paper(
        source=str(source), raw_id=_raw_id(rec), doi=rec.get("doi") or external.get("DOI"),
        title=rec.get("title"), abstract=rec.get("abstract"),
        abstract_missing="absent" if "abstract" not in rec else None,
        year=rec.get("year"), date=rec.get("published") or rec.get("date"),
        categories=_categories(rec.get("categories")), authors=_authors(rec.get("authors")),
        venue=rec.get("venue"), source_id=rec.get("paperId") or rec.get("id"),
    )


def _records(path: Path) -> Iterator[tuple[str, Any]]:
    with open_text(path) as handle:
        first = handle.read(1)
        while first and first.isspace():
            first = handle.read(1)
        if first == "[":
            try:
                items = json.loads(first + handle.read())
            except json.JSONDecodeError as exc:
                raise HomogError(f"malformed JSON array ({exc.msg} at line {exc.lineno})", file=path.name) from exc
            for index, item in enumerate(items, start=1):
                yield f"item {index}", item
            return
        handle.seek(0)
        yield from decode_lines(handle)


def read(path: Path, **_: Any) -> Iterator[Paper | Problem]:
    """Papers and problems from a JSON-lines file (streamed) or a JSON array file."""
    path = Path(path)
    return papers_from_records(path.name, _records(path), record_to_paper)