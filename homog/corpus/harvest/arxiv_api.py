"""Resumable arXiv API harvests: pages through ``arxiv.Search`` URLs, each page stored before the next request.

Per query the harvest pages in submission order (stable under paging),
drops repeated ids, retries an empty page in mid-results before believing
it, and checkpoints every page together with its papers in one store
transaction, so a killed harvest resumes at the next page with nothing lost
and nothing counted twice.  A query whose window reports more results than
``max_per_query`` is split into two date windows (recursively).  A harvest
of several windows stops at the first one whose server cannot be reached.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import arxiv
from arxiv import _feed

from homog.corpus.harvest.polite import PoliteGetter, RequestFailed, RetryPolicy
from homog.corpus.merge import Merger
from homog.corpus.record import Paper
from homog.corpus.sources.arxiv_atom import parse_feed
from homog.errors import Problem
from homog.store import Store

API_URL = "https://export.arxiv.org/api/query"
MAX_PER_QUERY = 10_000  # arXiv asks bulk users to keep one query's results well under its 30,000 cap
RESUME_HINT = "check the network, then run the same command again to resume"
FINISHED = ("ok", "partial", "split")
SOURCE_NAMES = {"arxiv-api": "arXiv", "arxiv-oai": "arXiv OAI-PMH", "openalex": "OpenAlex"}


@dataclass
class QueryOutcome:
    """What one query asked, what arrived and what is missing (JSON-safe via ``to_dict``)."""

    query: str
    status: str = "running"  # running | ok | partial | split | rate-limited | failed | rejected | unreachable
    reported_total: int | None = None
    harvested: int = 0
    duplicates: int = 0
    overlap: int = 0
    pages: int = 0
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    events: list[dict[str, str]] = field(default_factory=list)
    attempts: int = 0
    source: str = "arxiv-api"

    def summary(self) -> str:
        """``arXiv reported 5 results for 'all:toy'; harvested 3 unique (1 duplicate dropped); <notes>``, or
        ``arXiv: nothing harvested for 'all:toy'; <notes>`` when no count was reported."""
        name = SOURCE_NAMES.get(self.source, self.source)
        if self.reported_total is None and self.harvested == 0:
            return "; ".join([f"{name}: nothing harvested for '{self.query}'", *self.notes])
        total = "?" if self.reported_total is None else f"{self.reported_total:,}"
        plural = "duplicate" if self.duplicates == 1 else "duplicates"
        text = (f"{name} reported {total} results for '{self.query}'; harvested {self.harvested:,} unique "
                f"({self.duplicates:,} {plural} dropped)")
        return "; ".join([text, *self.notes])

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "source": self.source, "status": self.status,
                "reported_total": self.reported_total, "harvested": self.harvested,
                "duplicates_dropped": self.duplicates, "overlap_with_earlier_queries": self.overlap,
                "pages": self.pages, "attempts": self.attempts, "notes": list(self.notes), "problems": list(self.problems),
                "summary": self.summary()}


def query_key(query: str, max_results: int) -> str:
    """Checkpoint key of one query and its size limit."""
    return hashlib.sha1(f"{query}|{max_results}".encode()).hexdigest()[:16]


def window_query(query: str, start: date, end: date) -> str:
    """``query`` restricted to submissions from ``start`` to ``end`` inclusive (arXiv ``submittedDate``)."""
    return f"({query}) AND submittedDate:[{start:%Y%m%d}0000 TO {end:%Y%m%d}2359]"


def split_window(start: date, end: date) -> list[tuple[date, date]]:
    """Two halves of a date window (one day cannot be split)."""
    if start >= end:
        return [(start, end)]
    middle = start + timedelta(days=(end - start).days // 2)
    return [(start, middle), (middle + timedelta(days=1), end)]


class ArxivHarvester:
    """Harvests arXiv API queries into a store; ``on_page(outcome)`` is called after each stored page."""

    def __init__(self, store: Store, *, harvest_key: str = "arxiv", page_size: int = 100,
                 policy: RetryPolicy = RetryPolicy(), getter: PoliteGetter | None = None, base_url: str = API_URL,
                 max_per_query: int = MAX_PER_QUERY, on_page: Callable[[QueryOutcome], None] | None = None):
        self.store = store
        self.harvest_key = harvest_key
        self.page_size = page_size
        self.getter = getter or PoliteGetter(policy, floor=3.0)
        self.base_url = base_url
        self.max_per_query = max_per_query
        self.on_page = on_page
        self.seen: set[str] = set()  # ids harvested by earlier queries of this harvest

    def _params(self, query: str, start: int, size: int) -> dict[str, str]:
        if query.startswith("id_list="):
            search = arxiv.Search(id_list=query.split("=", 1)[1].split(","))
        else:
            search = arxiv.Search(query=query, sort_by=arxiv.SortCriterion.SubmittedDate,
                                  sort_order=arxiv.SortOrder.Ascending)
        args = {k: v for k, v in search._url_args().items() if v}
        return {**args, "start": str(start), "max_results": str(size)}

    def harvest(self, query: str, *, max_results: int, window: tuple[date, date] | None = None,
                budget: int | None = None) -> list[QueryOutcome]:
        """Harvest one query (optionally in a date window, split further while too large); outcomes in order.

        The halves of a split window share ``budget`` (default ``max_results``):
        each gets what the earlier ones left, while its checkpoint stays keyed
        by ``max_results`` so a resumed run finds it whatever the earlier
        halves gathered meanwhile.  A one-day window cannot be split; it is
        harvested up to ``max_per_query`` and marked partial.  An unreachable
        server stops the split: the later halves are not tried.
        """
        budget = max_results if budget is None else budget
        text = window_query(query, *window) if window else query
        outcome = self.harvest_one(text, max_results=max_results, budget=budget,
                                   split=window is not None and window[0] < window[1])
        if outcome.status != "split" or window is None:
            return [outcome]
        outcomes = [outcome]
        for half in split_window(*window):
            left = budget - sum(o.harvested for o in outcomes)
            if left <= 0:
                break
            outcomes += self.harvest(query, max_results=max_results, window=half, budget=left)
            if outcomes[-1].status == "unreachable":
                break
        return outcomes

    def harvest_windows(self, query: str, windows: Iterable[tuple[date, date]], *,
                        max_results: int) -> list[QueryOutcome]:
        """Harvest ``query`` window by window (sharing ``max_results``) until the budget is spent.

        The first window whose server cannot be reached ends the harvest: the
        later windows are not tried (a rerun resumes there), and that window's
        outcome says how many were left.
        """
        windows = list(windows)
        outcomes: list[QueryOutcome] = []
        for index, window in enumerate(windows):
            left = max_results - sum(o.harvested for o in outcomes if o.status != "split")
            if left <= 0:
                break
            outcomes += self.harvest(query, max_results=max_results, window=window, budget=left)
            if outcomes[-1].status == "unreachable":
                rest = len(windows) - index - 1
                not_tried = f"{rest} more window{'s' * (rest != 1)} not tried — " if rest else ""
                outcomes[-1].notes.append(not_tried + RESUME_HINT)
                break
        return outcomes

    def _state(self, key: str, query: str) -> tuple[QueryOutcome, int]:
        saved = self.store.get_harvest_state(self.harvest_key, key)
        if saved is None:
            return QueryOutcome(query), 0
        position = saved.pop("position")
        return QueryOutcome(**saved), position

    def _save(self, key: str, outcome: QueryOutcome, position: int) -> None:
        self.store.put_harvest_state(self.harvest_key, key, position, _state_dict(outcome))

    def harvest_one(self, query: str, *, max_results: int, split: bool = False,
                    budget: int | None = None) -> QueryOutcome:
        """Harvest one query to the end, to ``max_results``, or to a failure; resumes from its checkpoint.

        ``budget`` (at most ``max_results``) caps this run without changing the
        checkpoint key.  A date-windowed query reporting more than
        ``max_per_query`` results is marked ``split`` (nothing stored) when
        ``split`` is true, otherwise harvested up to ``max_per_query`` and
        marked partial.
        """
        key = query_key(query, max_results)
        outcome, start = self._state(key, query)
        done_ids = self.store.get_harvest_ids(self.harvest_key, key)
        if outcome.status in FINISHED:
            self.seen.update(done_ids)
            return outcome
        own = set(done_ids)
        outcome.status, outcome.notes = "running", [n for n in outcome.notes if not n.startswith("stopped:")]
        wanted = max_results if budget is None else min(max_results, budget)
        capped = outcome.reported_total is not None and window_too_large(query, outcome.reported_total,
                                                                         self.max_per_query)
        limit = min(wanted, self.max_per_query) if capped else wanted
        while outcome.harvested < limit and (outcome.reported_total is None or start < outcome.reported_total):
            size = min(self.page_size, limit - outcome.harvested)
            try:
                total, items = self._page(query, start, size, outcome)
            except RequestFailed as failure:
                outcome.status = failure.kind
                outcome.attempts = failure.attempts
                outcome.notes.append(f"stopped: {_failure_text(failure, f'page start={start}')}")
                self._save(key, outcome, start)
                return outcome
            outcome.reported_total = total
            if start == 0 and window_too_large(query, total, self.max_per_query):
                if split:
                    outcome.status = "split"
                    outcome.notes.append(f"split by date window ({total:,} results > {self.max_per_query:,})")
                    self._save(key, outcome, start)
                    return outcome
                capped, limit = True, min(limit, self.max_per_query)
                if wanted > self.max_per_query:
                    outcome.notes.append(f"window cannot be split further; only the first {limit:,} of "
                                         f"{total:,} results harvested")
            if not items:
                if start < total:
                    outcome.status = "partial"
                    outcome.notes.append(f"page start={start} empty after {self.getter.policy.empty_page_attempts} "
                                         f"attempts")
                break
            self._store_page(key, outcome, start, items, own, limit)
            start += len(items)
        if outcome.status == "running":
            outcome.status = "partial" if capped and wanted > limit and outcome.harvested >= limit else "ok"
        self._save(key, outcome, start)
        return outcome

    def _page(self, query: str, start: int, size: int, outcome: QueryOutcome) -> tuple[int, list[Paper | Problem]]:
        """(reported total, entries) of one page; an empty page before the end is asked again."""
        params = self._params(query, start, size)
        for attempt in range(1, self.getter.policy.empty_page_attempts + 1):
            content = self.getter.get(self.base_url, params)
            total = _feed.parse(content).header.total_results
            items = list(parse_feed(content, name=f"arXiv '{query}' start={start}"))
            if items or start >= total or (start == 0 and total == 0):
                return total, items
        return total, []

    def _store_page(self, key: str, outcome: QueryOutcome, start: int, items: list[Paper | Problem],
                    own: set[str], max_results: int) -> None:
        merger = Merger(f"arXiv '{outcome.query}' start={start}")
        page_ids: list[str] = []
        for item in items:
            if isinstance(item, Problem):
                outcome.problems.append(str(item))
                continue
            if item.id in own:
                outcome.duplicates += 1
                outcome.events.append(repeat_event(item, merger.origin))
                continue
            if outcome.harvested >= max_results:
                break
            own.add(item.id)
            page_ids.append(item.id)
            outcome.harvested += 1
            if item.id in self.seen:
                outcome.overlap += 1
                continue
            merger.add(item)
        papers, title_rows = merger.with_store(self.store)
        outcome.events.extend(merger.events)
        outcome.pages += 1
        self.store.put_loaded(papers.values(), title_rows, harvest_page=(
            self.harvest_key, key, outcome.pages, page_ids, start + len(items), _state_dict(outcome)))
        self.seen.update(page_ids)
        if self.on_page is not None:
            self.on_page(outcome)


def repeat_event(paper: Paper, origin: str) -> dict[str, str]:
    """The dedup-report row of a record a harvest had already received (on an earlier page)."""
    return {"kept_id": paper.id, "merged_id_or_record": paper.source_id or paper.id, "source": paper.source,
            "origin": origin, "reason": "repeated in a later page; dropped"}


def window_too_large(query: str, total: int, limit: int) -> bool:
    """True if a date-windowed query reports more results than one query may page through."""
    return "submittedDate:[" in query and total > limit


def _attempts(count: int) -> str:
    return f"{count} attempt{'s' * (count != 1)}"


def _failure_text(failure: RequestFailed, where: str) -> str:
    """Why the request for ``where`` failed, e.g. ``page start=0 rate-limited after 5 attempts (HTTP 429)``."""
    if failure.kind == "rejected":
        return f"{where} rejected as malformed (HTTP {failure.status})"
    if failure.kind == "unreachable":
        return f"{failure.detail} at {where} after {_attempts(failure.attempts)}"
    return f"{where} {failure.kind} after {_attempts(failure.attempts)} ({failure.detail})"


def _state_dict(outcome: QueryOutcome) -> dict[str, Any]:
    return dict(outcome.__dict__)


def run_summary(outcomes: Iterable[QueryOutcome]) -> str:
    """``1 query ok (2 papers), 1 query rate-limited after 5 attempts: Q, 1 query rejected (HTTP 400): Q``."""
    groups: dict[str, list[QueryOutcome]] = {}
    for outcome in outcomes:
        if outcome.status != "split":
            groups.setdefault(outcome.status, []).append(outcome)
    parts = []
    for status, items in groups.items():
        count = f"{len(items)} {'query' if len(items) == 1 else 'queries'}"
        if status in ("ok", "partial"):
            papers = sum(o.harvested for o in items)
            parts.append(f"{count} {status} ({papers:,} {'paper' if papers == 1 else 'papers'})")
        elif status == "rejected":
            codes = ", ".join(sorted({n.split("(HTTP ")[1].rstrip(")") for o in items for n in o.notes
                                      if "(HTTP " in n and "rejected" in n}))
            parts.append(f"{count} rejected (HTTP {codes}): " + ", ".join(o.query for o in items))
        else:
            attempts = max(o.attempts for o in items)
            after = f" after {_attempts(attempts)}" if attempts else ""  # 0: not counted
            parts.append(f"{count} {status}{after}: " + ", ".join(o.query for o in items))
    return ", ".join(parts) if parts else "no queries"
