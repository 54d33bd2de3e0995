"""Harvest a corpus specification: every source in order, into one store, each resumable."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from homog.corpus.harvest.arxiv_api import ArxivHarvester, QueryOutcome
from homog.corpus.harvest.paged import (
    OPENALEX_URL,
    harvest_pages,
    in_window,
    oai_fetcher,
    openalex_fetcher,
)
from homog.corpus.harvest.polite import PoliteGetter, RetryPolicy, Spacing
from homog.corpus.harvest.spec import CorpusSpec, SourceSpec, arxiv_query, month_windows
from homog.errors import HomogError, Problem
from homog.store import Store

OAI_URL = "https://oaipmh.arxiv.org/oai"
UNLIMITED = 10**9


@dataclass
class HarvestResult:
    """Ids harvested (in order, unique), per-query outcomes, and the loaded file rows of file sources."""

    ids: list[str] = field(default_factory=list)
    outcomes: list[QueryOutcome] = field(default_factory=list)
    files: list[tuple[Any, ...]] = field(default_factory=list)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def harvest_spec(spec: CorpusSpec, store: Store, *, load_file: Callable[[str, dict[str, Any]], tuple[Any, ...]],
                 on_page: Callable[[QueryOutcome], None] | None = None,
                 getter: PoliteGetter | None = None) -> HarvestResult:
    """Harvest every source of ``spec``; ``load_file(path, reader options)`` loads a file source."""
    result = HarvestResult()
    seen: dict[str, None] = {}
    base = Path(spec.path).parent
    for index, source in enumerate(spec.sources, start=1):
        budget = min(source.max_results or UNLIMITED, (spec.max_papers or UNLIMITED) - len(seen))
        if budget <= 0:
            break
        key = f"{spec.harvest_key}:{index}"
        if source.kind == "file":
            options = {"categories": list(source.categories) or None, "date_from": source.date_from,
                       "date_to": source.date_to, "column_map": source.columns or None,
                       "defaults": source.defaults or None}
            path = (base / source.path).resolve()
            if not path.is_file():
                raise HomogError(f"source {index}: no file at {path} (a file source's path is relative to its "
                                 f"specification)", file=spec.path)
            file_row, ids, problems, merges = load_file(str(path), options)
            if len(ids) > budget:
                problems = [*problems, Problem(path.name, "size limit", f"the specification keeps the first "
                                               f"{budget:,} of its {len(ids):,} papers (max_results, max_papers)",
                                               "warning")]
                ids = ids[:budget]
            result.files.append((file_row, ids, problems, merges))
            seen.update(dict.fromkeys(ids))
            continue
        if source.kind == "arxiv-api":
            outcomes = _arxiv(source, store, key, budget, on_page, getter)
        elif source.kind == "arxiv-oai":
            # OAI-PMH selects by datestamp (a record's last change), never earlier than its first version: asking
            # from date_from with no end finds every paper first submitted in the window, and the papers are then
            # kept by their first version's date.
            fetch = oai_fetcher(source.base_url or OAI_URL, set_spec=source.set, date_from=_iso(source.date_from),
                                date_until=None, spacing=Spacing(source.delay_seconds))
            label = f"OAI-PMH set={source.set} first versions {_iso(source.date_from)}..{_iso(source.date_to)}"
            outcomes = [harvest_pages(store, key, label, fetch, max_results=budget, source="arxiv-oai",
                                      keep=in_window(source.categories, _iso(source.date_from),
                                                     _iso(source.date_to)), on_page=on_page)]
        else:
            fetch = openalex_fetcher(search=source.query or None, filters=source.filter,
                                     per_page=source.page_size or 200, base_url=source.base_url or OPENALEX_URL,
                                     getter=getter or PoliteGetter(RetryPolicy(delay_seconds=source.delay_seconds)))
            outcomes = [harvest_pages(store, key, f"OpenAlex {source.query} {source.filter}", fetch,
                                      max_results=budget, source="openalex", on_page=on_page)]
        result.outcomes.extend(outcomes)
        seen.update(dict.fromkeys(store.get_harvest_all_ids(key)))
    result.ids = list(seen)[: spec.max_papers or None]
    return result


def _arxiv(source: SourceSpec, store: Store, key: str, budget: int, on_page: Any,
           getter: PoliteGetter | None) -> list[QueryOutcome]:
    policy = RetryPolicy(delay_seconds=source.delay_seconds)
    harvester = ArxivHarvester(store, harvest_key=key, page_size=source.page_size or 200,
                               getter=getter or PoliteGetter(policy, floor=3.0),
                               base_url=source.base_url or "https://export.arxiv.org/api/query", on_page=on_page)
    query = arxiv_query(source)
    if not source.date_from and not source.date_to:
        return [harvester.harvest_one(query, max_results=budget)]
    low = source.date_from or date(1991, 1, 1)
    high = source.date_to or date.today()
    return harvester.harvest_windows(query, month_windows(low, high, source.window_months), max_results=budget)

