"""Reader for arXiv API Atom feeds: saved responses, and the pages the harvester receives.

Entries become ``arxiv.Result`` through the ``arxiv`` package's own entry
parser and then ``Paper`` through ``result_to_paper``.  Error entries (id
under ``/api/errors``) and hollow entries (no id) become problems, never papers.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import arxiv
from arxiv import _feed
from lxml import etree

from homog.corpus.record import Paper
from homog.corpus.sources._common import build_paper
from homog.errors import HomogError, Problem

SOURCE = "arxiv-api"
_NS = {"atom": "http://www.w3.org/2005/Atom"}
_PAGING = {"start", "max_results", "sortBy", "sortOrder"}


def result_to_paper(result: arxiv.Result) -> Paper:
    """An ``arxiv.Result`` as a ``Paper`` (date = ``published``, text version = the id's ``vN``)."""
    return build_paper(
        source=SOURCE, raw_id=result.entry_id, doi=result.doi, title=result.title, abstract=result.summary,
        date=result.published, categories=result.categories, authors=[a.name for a in result.authors],
        primary_category=result.primary_category or None, venue=result.journal_ref,
        source_id=result.get_short_id(),
    )


def _query_of(root: Any, fallback: str) -> str:
    """The feed's query as ``key=value`` pairs without paging, e.g. ``id_list=2101.1``."""
    candidates = [link.get("href", "") for link in root.iterfind("atom:link", _NS)]
    title = root.findtext("atom:title", default="", namespaces=_NS)
    if "Query:" in title:
        candidates.append("?" + title.split("Query:", 1)[1].strip())
    for candidate in candidates:
        query = unquote(urlsplit(candidate).query)
        pairs = [f"{k}={v}" for k, v in parse_qsl(query) if v and k not in _PAGING]
        if pairs:
            return "&".join(pairs)
    return fallback


def parse_feed(content: bytes, *, name: str) -> Iterator[Paper | Problem]:
    """Papers and problems from one Atom feed document; ``name`` labels problems."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise HomogError(f"not a well-formed Atom feed ({exc})", file=name) from exc
    query = _query_of(root, name)
    for index, entry in enumerate(root.iterfind("atom:entry", _NS), start=1):
        where = f"entry {index}"
        entry_id = (entry.findtext("atom:id", default="", namespaces=_NS) or "").strip()
        if not entry_id:
            yield Problem(name, where, f"arXiv returned an empty entry (no id) for {query} — id not found", "warning")
            continue
        if "/api/errors" in entry_id:
            text = " ".join((entry.findtext("atom:summary", default="", namespaces=_NS) or "").split())
            yield Problem(name, where, f"arXiv API error for {query}: {text or entry_id}")
            continue
        result = _feed._build_result(entry)
        if result is None:
            yield Problem(name, where, f"entry {entry_id} lacks <published> or <updated>; skipped")
            continue
        try:
            yield result_to_paper(result)
        except HomogError as exc:
            yield Problem(name, where, exc.reason)


def read(path: Path, **_: Any) -> Iterator[Paper | Problem]:
    """Papers and problems from a saved Atom feed file."""
    path = Path(path)
    yield from parse_feed(path.read_bytes(), name=path.name)
