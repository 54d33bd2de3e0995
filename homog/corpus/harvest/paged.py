"""Resumable cursor-paged harvests (arXiv OAI-PMH through sickle, OpenAlex through pyalex).

Each page's papers and the cursor for the next page are stored in one
transaction, so a killed harvest restarts at the page it had not finished.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import requests

from homog.corpus.harvest.arxiv_api import (
    QueryOutcome,
    _failure_text,
    _state_dict,
    query_key,
    repeat_event,
)
from homog.corpus.harvest.polite import (
    PoliteGetter,
    RequestFailed,
    RetryPolicy,
    Spacing,
    unreachable_text,
)
from homog.corpus.merge import Merger
from homog.corpus.record import Paper
from homog.errors import HomogError, Problem
from homog.store import Store

Page = tuple[list[Paper | Problem], str | None, int | None]  # items, next cursor (None = last), reported total
OPENALEX_URL = "https://api.openalex.org"


class FetchFailed(HomogError):
    """A page request that failed for good: ``kind`` as in ``RequestFailed`` (rate-limited, failed, ...)."""

    def __init__(self, reason: str, *, kind: str = "failed", attempts: int = 0):
        super().__init__(reason)
        self.kind, self.attempts = kind, attempts


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
    outcome.status, outcome.notes = "running", [n for n in outcome.notes if not n.startswith("stopped:")]
    while outcome.harvested < max_results:
        try:
            items, next_cursor, total = fetch(cursor)
        except HomogError as exc:
            outcome.status = getattr(exc, "kind", "failed")
            outcome.attempts = getattr(exc, "attempts", outcome.attempts)
            outcome.notes.append(f"stopped: {exc.reason}")
            store.put_harvest_state(harvest_key, key, outcome.pages, {**_state_dict(outcome), "cursor": cursor})
            return outcome
        outcome.reported_total = total if total is not None else outcome.reported_total
        merger, ids = Merger(f"{label} page {outcome.pages + 1}"), []
        for item in items:
            if isinstance(item, Problem):
                outcome.problems.append(str(item))
            elif item.id in own:
                outcome.duplicates += 1
                outcome.events.append(repeat_event(item, merger.origin))
            elif keep(item) and outcome.harvested < max_results:
                own.add(item.id)
                ids.append(item.id)
                outcome.harvested += 1
                merger.add(item)
        papers, title_rows = merger.with_store(store)
        outcome.events.extend(merger.events)
        outcome.pages += 1
        stuck = next_cursor is not None and next_cursor == cursor  # the same page again: it would never end
        if stuck:
            outcome.status = "partial"
            outcome.notes.append(f"stopped: page {outcome.pages} gave back the cursor it was asked with")
            next_cursor = cursor  # a later run asks that page again
        elif next_cursor is None or outcome.harvested >= max_results:
            outcome.status = "ok"
        store.put_loaded(papers.values(), title_rows, harvest_page=(
            harvest_key, key, outcome.pages, ids, outcome.pages, {**_state_dict(outcome), "cursor": next_cursor}))
        if on_page is not None:
            on_page(outcome)
        if stuck or next_cursor is None:
            break
        cursor = next_cursor
    if outcome.status == "running":
        outcome.status = "ok"
    return outcome


def oai_fetcher(base_url: str, *, set_spec: str | None, date_from: str | None, date_until: str | None,
                max_retries: int = 5, default_retry_after: float = 20.0, timeout: float = 120.0,
                spacing: Spacing | None = None) -> Callable[[str | None], Page]:
    """``fetch(token)`` for arXiv OAI-PMH ListRecords (metadataPrefix arXivRaw) through sickle's retrying client
    (503 and ``Retry-After`` flow control), pages at least ``spacing`` apart (default 3 s).  A host that cannot
    be reached fails the page at once (kind ``unreachable``)."""
    from sickle import Sickle
    from sickle.oaiexceptions import NoRecordsMatch, OAIError

    from homog.corpus.sources.oai_pmh import ListRecordsReader

    answers = 0  # responses to this page's requests (sickle retries 429/5xx itself)

    def count(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        nonlocal answers
        answers += not response.is_redirect

    client = Sickle(base_url, max_retries=max_retries, retry_status_codes=(429, 500, 502, 503, 504),
                    default_retry_after=default_retry_after, timeout=timeout, hooks={"response": count})
    params = {k: v for k, v in {"metadataPrefix": "arXivRaw", "set": set_spec, "from": date_from,
                                "until": date_until}.items() if v}
    spacing = spacing or Spacing(3.0)
    host = urlsplit(base_url).hostname or base_url

    def fetch(token: str | None) -> Page:
        nonlocal answers
        spacing.wait()
        answers = 0
        try:
            response = client.harvest(verb="ListRecords", **({"resumptionToken": token} if token else params))
        except NoRecordsMatch:
            return [], None, 0
        except OAIError as exc:
            raise HomogError(f"OAI-PMH request to {base_url} failed: {exc}") from exc
        except requests.RequestException as exc:
            attempts = answers + (exc.response is None)  # the last request got no answer
            if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.Timeout):
                failure = RequestFailed("unreachable", unreachable_text(host, exc), attempts)
            else:
                failure = RequestFailed("failed", str(exc), attempts)
            raise FetchFailed(_failure_text(failure, f"OAI-PMH page {'token=' + token if token else 1}"),
                              kind=failure.kind, attempts=attempts) from exc
        reader = ListRecordsReader(response.raw.encode("utf-8"), name=f"OAI-PMH {token or params}")
        items = list(reader)
        return items, reader.resumption_token, reader.complete_list_size

    return fetch


def openalex_fetcher(*, search: str | None, filters: dict[str, Any], per_page: int = 200,
                     base_url: str = OPENALEX_URL, getter: PoliteGetter | None = None
                     ) -> Callable[[str | None], Page]:
    """``fetch(cursor)`` for OpenAlex ``/works`` (cursor paging, abstracts from the inverted index).

    pyalex builds the query (search, filters, ``per-page``, ``cursor``); the
    request goes to ``base_url`` through the polite getter, so pages are spaced
    apart and a 429/5xx is retried with growing delays (pyalex's own session
    does not retry by default).  A page without results ends the harvest.
    """
    import pyalex

    from homog.corpus.sources.openalex import work_to_paper

    if not isinstance(per_page, int) or not 1 <= per_page <= 200:
        raise HomogError(f"OpenAlex page size must be 1 to 200 (got {per_page})")
    getter = getter or PoliteGetter(RetryPolicy(delay_seconds=1.0))
    endpoint = base_url.rstrip("/") + "/works"

    def fetch(cursor: str | None) -> Page:
        query = pyalex.Works()
        if search:
            query = query.search(search)
        if filters:
            query = query.filter(**filters)
        query._add_params("per-page", per_page)
        query._add_params("cursor", cursor or "*")
        if pyalex.config.email:
            query._add_params("mailto", pyalex.config.email)
        url = f"{endpoint}?{urlsplit(query.url).query}"
        try:
            content = getter.get(url, {})
        except RequestFailed as failure:
            raise FetchFailed(_failure_text(failure, f"OpenAlex page cursor={cursor or '*'}"),
                              kind=failure.kind, attempts=failure.attempts) from failure
        try:
            data = json.loads(content)
        except ValueError:
            raise FetchFailed(f"OpenAlex page cursor={cursor or '*'} is not JSON") from None
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, list):
            raise FetchFailed(f"OpenAlex page cursor={cursor or '*'} has no results list")
        meta = data.get("meta") or {}
        items: list[Paper | Problem] = []
        for index, work in enumerate(results, start=1):
            if not isinstance(work, dict):
                items.append(Problem("OpenAlex", f"work {index}", "not a JSON object"))
                continue
            try:
                items.append(work_to_paper(work))
            except HomogError as exc:
                items.append(Problem("OpenAlex", f"work {work.get('id', index)}", exc.reason))
        return items, meta.get("next_cursor") if results else None, meta.get("count")

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


