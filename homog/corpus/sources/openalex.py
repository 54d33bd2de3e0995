"""Reader for OpenAlex works: JSON lines, a JSON array, or saved API responses (``{"meta", "results"}``).

The abstract is rebuilt from ``abstract_inverted_index`` with pyalex's own
``invert_abstract``.  An arXiv id found in the work (an arxiv.org location or
a ``10.48550/arXiv.*`` DOI) becomes the paper's identity, so the same paper
from arXiv and OpenAlex is one record.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pyalex import invert_abstract

from homog.corpus.identity import looks_like_arxiv_id, normalize_doi
from homog.corpus.record import Paper
from homog.corpus.sources._common import build_paper, open_text
from homog.corpus.sources._json import decode_lines, papers_from_records
from homog.errors import HomogError, Problem

SOURCE = "openalex"
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/(.+?)(?:\.pdf)?$", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)


def is_openalex_work(rec: Any) -> bool:
    """True for a decoded OpenAlex work (an ``https://openalex.org/W…`` id or an inverted-index abstract)."""
    return isinstance(rec, dict) and (str(rec.get("id", "")).startswith("https://openalex.org/W")
                                      or "abstract_inverted_index" in rec)


def _arxiv_id(rec: dict[str, Any]) -> str | None:
    doi = normalize_doi(rec.get("doi"))
    match = _ARXIV_DOI.match(doi or "")
    if match and looks_like_arxiv_id(match.group(1)):
        return match.group(1)
    for location in rec.get("locations") or []:
        for url in (location or {}).get("landing_page_url"), (location or {}).get("pdf_url"):
            found = _ARXIV_URL.search(url or "")
            if found and looks_like_arxiv_id(found.group(1)):
                return found.group(1)
    return None


def _venue(rec: dict[str, Any]) -> str | None:
    source = ((rec.get("primary_location") or {}).get("source") or {})
    return source.get("display_name")


def work_to_paper(rec: dict[str, Any]) -> Paper:
    """One OpenAlex work as a ``Paper`` (DOI kept unless it is arXiv's own 10.48550 DOI)."""
    inverted = rec.get("abstract_inverted_index")
    abstract = invert_abstract(inverted) if inverted else None
    doi = normalize_doi(rec.get("doi"))
    topics = [t.get("display_name") for t in rec.get("topics") or [] if isinstance(t, dict)]
    return build_paper(
        source=SOURCE, raw_id=_arxiv_id(rec), doi=None if _ARXIV_DOI.match(doi or "") else doi,
        title=rec.get("title") or rec.get("display_name"), abstract=abstract,
        abstract_missing=None if inverted else "absent",
        year=rec.get("publication_year"), date=rec.get("publication_date"),
        categories=[t for t in topics if t], venue=_venue(rec), source_id=rec.get("id"),
        authors=[((a or {}).get("author") or {}).get("display_name") or "" for a in rec.get("authorships") or []],
    )


def _works(path: Path) -> Iterator[tuple[str, Any]]:
    """(where, decoded work or the JSON error) from a JSON document, else line by line (JSON lines)."""
    with open_text(path) as handle:
        text = handle.read()
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = None
    if data is not None:
        items = data.get("results", [data]) if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise HomogError("JSON that is neither a work, a list of works nor an API response", file=path.name)
        for index, item in enumerate(items, start=1):
            yield f"work {index}", item
        return
    yield from decode_lines(text.splitlines())


def read(path: Path, **_: Any) -> Iterator[Paper | Problem]:
    """Papers and problems from an OpenAlex works file."""
    path = Path(path)
    return papers_from_records(path.name, _works(path), work_to_paper)