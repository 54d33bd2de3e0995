"""Resumable cursor-paged harvests (arXiv OAI-PMH through sickle, OpenAlex through pyalex).

Each page's papers and the cursor for the next page are stored in one
transaction, so a killed harvest restarts at the page it had not finished.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from homog.corpus.harvest.arxiv_api import QueryOutcome, _state_dict, query_key
from homog.corpus.merge import Merger
from homog.corpus.record import Paper
from homog.errors import HomogError, Problem
from homog.store import Store

Page = tuple[list[Paper | Problem], str | None, int | None]  # items, next cursor (None = last), reported total


def harvest_pages(store: Store, harvest_key: str, label: str, fetch: Callable[[str | None], Page], *,
                  max_results: int, source: str, keep: Callable[[Paper], bool] = lambda p: True,
                  on_page: Callable[[QueryOutcome], None] | None = None) -> QueryOutcome:
    """Page through ``fetch(cursor)`` from the stored cursor until the last page or ``max_results`` papers."""
    key = query_key(label, max_results)
    saved = store.get_harvest_state(harvest_key, key)
    outcome = QueryOutcome(label, source=source) if saved is None else QueryOutcome(
        **{k: v for k, v in saved.items() if k not in ("position", "cursor")})
    cursor = None if saved is None else saved.get("cursor")
    if outcome.status == "ok":
        return outcome
    own = set(store.get_harvest_ids(harvest_key, key))
    outcome.status = "running"
    while outcome.harvested < max_results:
        try:
            items, next_cursor, total = fetch(cursor)
        except HomogError as exc:
            outcome.status = "failed"
            outcome.notes.append(f"stopped: {exc.reason}")
            store.put_harvest_state(harvest_key, key, outcome.pages, {**_state_dict(outcome), "cursor": cursor})
            return outcome
        outcome.reported_total = total if total is not None else outcome.reported_total
        merger, ids = Merger(), []
        for item in items:
            if isinstance(item, Problem):
                outcome.problems.append(str(item))
            elif item.id in own:
                outcome.duplicates += 1
            elif keep(item) and outcome.harvested < max_results:
                own.add(item.id)
                ids.append(item.id)
                outcome.harvested += 1
                merger.add(item)
        papers, title_rows = merger.with_store(store)
        outcome.events.extend(merger.events)
        outcome.pages += 1
        if next_cursor is None or outcome.harvested >= max_results:
            outcome.status = "ok"
        store.put_loaded(papers.values(), title_rows, harvest_page=(
            harvest_key, key, outcome.pages, ids, outcome.pages, {**_state_dict(outcome), "cursor": next_cursor}))
        if on_page is not None:
            on_page(outcome)
        if next_cursor is None:
            break
        cursor = next_cursor
    outcome.status = "ok"
    return outcome


def oai_fetcher(base_url: str, *, set_spec: str | None, date_from: str | None, date_until: str | None,
                max_retries: int = 5, default_retry_after: float = 20.0, timeout: float = 120.0
                ) -> Callable[[str | None], Page]:
    """``fetch(token)`` for arXiv OAI-PMH ListRecords (metadataPrefix arXivRaw) through sickle's retrying client."""
    from requests import RequestException
    from sickle import Sickle
    from sickle.oaiexceptions import NoRecordsMatch, OAIError

    from homog.corpus.sources.oai_pmh import ListRecordsReader

    client = Sickle(base_url, max_retries=max_retries, retry_status_codes=(429, 500, 502, 503, 504),
                    default_retry_after=default_retry_after, timeout=timeout)
    params = {k: v for k, v in {"metadataPrefix": "arXivRaw", "set": set_spec, "from": date_from,
                                "until": date_until}.items() if v}

    def fetch(token: str | None) -> Page:
        try:
            response = client.harvest(verb="ListRecords", **({"resumptionToken": token} if token else params))
        except NoRecordsMatch:
            return [], None, 0
        except (OAIError, RequestException) as exc:
            raise HomogError(f"OAI-PMH request to {base_url} failed: {exc}") from exc
        reader = ListRecordsReader(response.raw.encode("utf-8"), name=f"OAI-PMH {token or params}")
        items = list(reader)
        return items, reader.resumption_token, reader.complete_list_size

    return fetch


def openalex_fetcher(*, search: str | None, filters: dict[str, Any], per_page: int = 200
                     ) -> Callable[[str | None], Page]:
    """``fetch(cursor)`` for OpenAlex works through pyalex (cursor paging, abstracts from the inverted index)."""
    import pyalex
    from requests import RequestException

    from homog.corpus.sources.openalex import work_to_paper

    def fetch(cursor: str | None) -> Page:
        query = pyalex.Works()
        if search:
            query = query.search(search)
        if filters:
            query = query.filter(**filters)
        try:
            page = query.get(per_page=per_page, cursor=cursor or "*")
        except (RequestException, ValueError) as exc:
            raise HomogError(f"OpenAlex request failed: {exc}") from exc
        items: list[Paper | Problem] = []
        for index, work in enumerate(page, start=1):
            try:
                items.append(work_to_paper(dict(work)))
            except HomogError as exc:
                items.append(Problem("OpenAlex", f"work {work.get('id', index)}", exc.reason))
        next_cursor = page.meta.get("next_cursor") if page else None
        return items, next_cursor, page.meta.get("count")

    return fetch


def in_window(categories: Iterable[str], date_from: str | None, date_to: str | None) -> Callable[[Paper], bool]:
    """A filter keeping papers in any of ``categories`` (prefix match) and first submitted within the window."""
    from homog.corpus.sources.arxiv_snapshot import category_matches

    wanted = list(categories)

    def keep(paper: Paper) -> bool:
        if wanted and not category_matches(paper.categories, wanted):
            return False
        if date_from and (paper.date or "") < date_from:
            return False
        return not (date_to and (paper.date or "9999") > date_to)

    return keep


