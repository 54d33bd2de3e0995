"""A server that cannot be reached (DNS failure, connection refused): brief retries that say what they wait for,
then the harvest stops at once, naming the host, and a rerun resumes.  Never the internet: ``responses`` raises
the connection errors, or a loopback port with nothing listening refuses them; the clock is fake."""
from __future__ import annotations

import logging
import socket
from datetime import date
from itertools import pairwise
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from mock_arxiv import FakeClock

from homog.corpus.harvest.arxiv_api import (
    API_URL,
    ArxivHarvester,
    QueryOutcome,
    run_summary,
    window_query,
)
from homog.corpus.harvest.paged import FetchFailed, harvest_pages, oai_fetcher
from homog.corpus.harvest.polite import (
    PoliteGetter,
    RequestFailed,
    RetryPolicy,
    Spacing,
)

QUERY = "cat:cs.LG"
WINDOWS = [(date(2020, 1, 1), date(2020, 1, 31)), (date(2020, 2, 1), date(2020, 2, 29)),
           (date(2020, 3, 1), date(2020, 3, 31)), (date(2020, 4, 1), date(2020, 4, 30))]
PAPERS = {0: ["2001.00001", "2001.00002"], 1: ["2002.00001"], 2: ["2003.00001"], 3: ["2004.00001"]}
HOST = "export.arxiv.org"
RESUME = "check the network, then run the same command again to resume"


def _refused() -> requests.ConnectionError:
    return requests.ConnectionError(ConnectionRefusedError(111, "Connection refused"))


def _no_dns() -> requests.ConnectionError:
    return requests.ConnectionError(socket.gaierror(-3, "Temporary failure in name resolution"))


def _feed(ids: list[str]) -> str:
    os = 'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"'
    entries = "".join(
        f"<entry><id>http://arxiv.org/abs/{i}v1</id><published>2020-{i[2:4]}-02T09:00:00Z</published>"
        f"<updated>2020-{i[2:4]}-02T09:00:00Z</updated><title>Paper {i}</title>"
        f"<summary>An abstract of paper {i} about learning.</summary><author><name>A. Author</name></author>"
        f'<category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/></entry>' for i in ids)
    return (f'<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>q</title><id>http://arxiv.org/api/q</id><updated>2026-01-01T00:00:00Z</updated>"
            f"<opensearch:totalResults {os}>{len(ids)}</opensearch:totalResults>"
            f"<opensearch:startIndex {os}>0</opensearch:startIndex>"
            f"<opensearch:itemsPerPage {os}>10</opensearch:itemsPerPage>{entries}</feed>")


class Api:
    """``responses`` callback for the arXiv API: each window answers its papers, or ``down[window]`` errors."""

    def __init__(self, down: dict[int, list[Exception]] | None = None):
        self.down = down or {}
        self.asked: list[int] = []

    def __call__(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        query = parse_qs(urlsplit(request.url).query)["search_query"][0]
        window = next(n for n, w in enumerate(WINDOWS) if window_query(QUERY, *w) == query)
        self.asked.append(window)
        if self.down.get(window):
            raise self.down[window].pop(0)
        return 200, {}, _feed(PAPERS[window])


def _harvester(store, **policy) -> ArxivHarvester:
    getter = PoliteGetter(RetryPolicy(timeout=5, **policy), clock=FakeClock(), floor=3.0)
    return ArxivHarvester(store, harvest_key="down", page_size=10, getter=getter, base_url=API_URL)


@responses.activate
def test_unreachable_window_stops_the_harvest_and_a_rerun_resumes(store, caplog):
    """Window 2 cannot be reached: windows 3-4 are not tried, one line says so and names the host; window 1
    stays stored, and the rerun asks only windows 2-4."""
    api = Api(down={1: [_no_dns(), _no_dns()]})
    responses.add_callback(responses.GET, API_URL, callback=api)
    with caplog.at_level(logging.WARNING, logger="homog.corpus.harvest.polite"):
        outcomes = _harvester(store).harvest_windows(QUERY, WINDOWS, max_results=100)
    assert api.asked == [0, 1, 1]  # connect_attempts (2) tries for window 2, none for windows 3-4
    assert [o.status for o in outcomes] == ["ok", "unreachable"]
    failed = outcomes[-1]
    assert failed.attempts == 2 and failed.notes == [
        f"stopped: cannot reach {HOST} (connection failed: DNS lookup failed) at page start=0 after 2 attempts",
        f"2 more windows not tried — {RESUME}"]
    assert failed.summary() == f"arXiv: nothing harvested for '{failed.query}'; " + "; ".join(failed.notes)
    assert caplog.messages == [f"{HOST}: connection failed (DNS lookup failed), retry 1 of 1 in 3 s"]
    assert run_summary(outcomes) == f"1 query ok (2 papers), 1 query unreachable after 2 attempts: {failed.query}"
    assert store.get_harvest_all_ids("down") == PAPERS[0]

    api.asked.clear()
    again = _harvester(store).harvest_windows(QUERY, WINDOWS, max_results=100)
    assert api.asked == [1, 2, 3]
    assert [o.status for o in again] == ["ok"] * 4 and again[1].notes == []
    assert store.get_harvest_all_ids("down") == [i for n in range(4) for i in PAPERS[n]]


@responses.activate
def test_unreachable_last_window_says_how_to_resume(store):
    api = Api(down={3: [_refused(), _refused()]})
    responses.add_callback(responses.GET, API_URL, callback=api)
    outcomes = _harvester(store).harvest_windows(QUERY, WINDOWS, max_results=100)
    assert [o.status for o in outcomes] == ["ok"] * 3 + ["unreachable"]
    assert outcomes[-1].notes[-1] == RESUME and "(connection failed: connection refused)" in outcomes[-1].notes[0]


@responses.activate
def test_unreachable_half_of_a_split_window_stops_the_split(store):
    """A window over the paging limit is split; when its first half cannot be reached the second is not tried."""
    whole = (date(2020, 1, 1), date(2020, 1, 31))
    halves = [(date(2020, 1, 1), date(2020, 1, 16)), (date(2020, 1, 17), date(2020, 1, 31))]
    asked = []

    def api(request):
        query = parse_qs(urlsplit(request.url).query)["search_query"][0]
        asked.append(query)
        if query == window_query(QUERY, *halves[0]):
            raise _refused()
        return 200, {}, _feed(["2001.00001", "2001.00002", "2001.00003"])

    responses.add_callback(responses.GET, API_URL, callback=api)
    harvester = _harvester(store)
    harvester.max_per_query = 2
    outcomes = harvester.harvest(QUERY, max_results=100, window=whole)
    assert [o.status for o in outcomes] == ["split", "unreachable"]
    assert window_query(QUERY, *halves[1]) not in asked


@responses.activate
def test_a_brief_blip_is_retried_with_a_line_per_retry(store, caplog):
    """Two failed connections, then the server answers: the harvest goes on, each wait announced beforehand."""
    api = Api(down={0: [_refused(), _refused()]})
    responses.add_callback(responses.GET, API_URL, callback=api)
    harvester = _harvester(store, connect_attempts=5)
    with caplog.at_level(logging.WARNING, logger="homog.corpus.harvest.polite"):
        outcomes = harvester.harvest_windows(QUERY, WINDOWS[:1], max_results=100)
    assert [o.status for o in outcomes] == ["ok"] and outcomes[0].harvested == 2
    assert caplog.messages == [f"{HOST}: connection failed (connection refused), retry 1 of 4 in 3 s",
                               f"{HOST}: connection failed (connection refused), retry 2 of 4 in 6 s"]
    times = harvester.getter.request_times
    assert [b - a for a, b in pairwise(times)] == [3.0, 6.0]


@responses.activate
def test_retries_on_busy_server_are_announced_and_still_honour_retry_after(caplog):
    responses.add(responses.GET, API_URL, status=503, headers={"Retry-After": "20"})
    responses.add(responses.GET, API_URL, status=429)
    responses.add(responses.GET, API_URL, body=b"done")
    getter = PoliteGetter(RetryPolicy(timeout=5), clock=FakeClock(), floor=3.0)
    with caplog.at_level(logging.WARNING, logger="homog.corpus.harvest.polite"):
        assert getter.get(API_URL, {}) == b"done"
    assert caplog.messages == [f"{HOST}: HTTP 503, retry 1 of 4 in 20 s", f"{HOST}: HTTP 429, retry 2 of 4 in 6 s"]


def test_refused_loopback_port_names_host_and_cause():
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    getter = PoliteGetter(RetryPolicy(timeout=5), clock=FakeClock())
    with pytest.raises(RequestFailed) as err:
        getter.get(f"http://127.0.0.1:{port}/api/query", {})
    assert err.value.kind == "unreachable" and err.value.attempts == 2
    assert err.value.detail == "cannot reach 127.0.0.1 (connection failed: connection refused)"


OAI_URL = "https://oaipmh.arxiv.org/oai"


@responses.activate
def test_unreachable_oai_host_is_named_and_attempts_counted(store):
    responses.add(responses.GET, OAI_URL, body=_no_dns())
    fetch = oai_fetcher(OAI_URL, set_spec="cs", date_from=None, date_until=None, spacing=Spacing(3.0, FakeClock()))
    outcome = harvest_pages(store, "oai", "cs", fetch, max_results=10, source="arxiv-oai")
    assert outcome.status == "unreachable" and outcome.attempts == 1 and len(responses.calls) == 1
    assert outcome.summary() == ("arXiv OAI-PMH: nothing harvested for 'cs'; stopped: cannot reach oaipmh.arxiv.org "
                                 "(connection failed: DNS lookup failed) at OAI-PMH page 1 after 1 attempt")
    assert run_summary([outcome]) == "1 query unreachable after 1 attempt: cs"


@responses.activate
def test_oai_attempts_count_sickles_retries():
    for _ in range(3):
        responses.add(responses.GET, OAI_URL, status=503, headers={"Retry-After": "0"})
    fetch = oai_fetcher(OAI_URL, set_spec="cs", date_from=None, date_until=None, max_retries=2,
                        spacing=Spacing(3.0, FakeClock()))
    with pytest.raises(FetchFailed) as err:
        fetch(None)
    assert err.value.kind == "failed" and err.value.attempts == 3 == len(responses.calls)
    assert err.value.reason.startswith("OAI-PMH page 1 failed after 3 attempts (503 Server Error")


def test_uncounted_attempts_are_not_reported():
    outcome = QueryOutcome("q", status="failed")
    assert run_summary([outcome]) == "1 query failed: q"
