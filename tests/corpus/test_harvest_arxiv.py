"""Live arXiv API harvesting against a loopback server playing the recorded case scripts (never the internet)."""
from __future__ import annotations

import json

import pytest
from mock_arxiv import FakeClock, ScriptServer

from homog.corpus.harvest.arxiv_api import ArxivHarvester, run_summary
from homog.corpus.harvest.polite import PoliteGetter, RetryPolicy


def _case05_script(cases_dir):
    spec = json.loads((cases_dir / "05-mock-server-script.json").read_text())
    script: dict = {}
    for scenario in ("scenario_A", "scenario_B"):
        query = spec[f"{scenario}_query"]
        for answer in spec[scenario]:
            script.setdefault((query, answer["start"]), []).append(
                {"status": answer["status"], "body": answer["body"]})
    return script


def _case06_script(cases_dir):
    spec = json.loads((cases_dir / "06-mock-server-script.json").read_text())
    script: dict = {}
    for item in spec["queries"]:
        for answer in item["responses"]:
            script.setdefault((item["query"], answer["start"]), []).append(
                {k: v for k, v in answer.items() if k in ("status", "body", "body_text", "headers")})
    return script, spec["page_size"], [item["query"] for item in spec["queries"]]


def _harvester(store, server, clock, page_size=2, **kwargs):
    getter = PoliteGetter(RetryPolicy(timeout=5), clock=clock, floor=3.0)
    return ArxivHarvester(store, page_size=page_size, getter=getter, base_url=server.url, **kwargs)


def _gaps(getter):
    times = getter.request_times
    return [b - a for a, b in zip(times, times[1:])]


def test_case_05_empty_page_pagination(cases_dir, store):
    """Case 05-empty-page-pagination: empty pages retried, repeats dropped by id, exact multiple stops."""
    clock = FakeClock()
    with ScriptServer(_case05_script(cases_dir), cases_dir) as server:
        harvester = _harvester(store, server, clock)
        outcome = harvester.harvest_one("all:toy", max_results=100)
        # point 1: start=2 asked twice (empty, then full), start=4 three times; always >= 3 s apart
        assert server.requests == [("all:toy", 0), ("all:toy", 2), ("all:toy", 2)] + [("all:toy", 4)] * 3
        assert all(gap >= 3.0 for gap in _gaps(harvester.getter))
        # point 2: 3 unique papers, the repeat of 2201.00002 dropped
        ids = store.get_harvest_ids("arxiv", _key("all:toy"))
        assert ids == ["2201.00001", "2201.00002", "2201.00003"]
        assert len(store.get_papers(ids)) == 3 and store.get_papers(["2201.00002"])[0].n_source_records == 1
        # point 3: the run is partial and says what is missing
        assert outcome.status == "partial"
        assert outcome.summary() == ("arXiv reported 5 results for 'all:toy'; harvested 3 unique "
                                     "(1 duplicate dropped); page start=4 empty after 3 attempts")
        assert outcome.to_dict()["harvested"] == 3 and outcome.to_dict()["duplicates_dropped"] == 1
        # point 4: exact multiple -> no request for start=2
        server.requests.clear()
        exact = harvester.harvest_one("all:exact", max_results=100)
        assert server.requests == [("all:exact", 0)]
        assert exact.status == "ok" and exact.harvested == 2 and exact.notes == []


def _key(query, max_results=100):
    from homog.corpus.harvest.arxiv_api import query_key

    return query_key(query, max_results)


def test_case_06_rate_limit_retry(cases_dir, store):
    """Case 06-rate-limit-retry: 503/429 retried with growing delays and Retry-After; 400 never retried."""
    script, page_size, queries = _case06_script(cases_dir)
    clock = FakeClock()
    stored_before_query_2 = []
    with ScriptServer(script, cases_dir) as server:
        harvester = _harvester(store, server, clock, page_size=page_size,
                               on_page=lambda outcome: stored_before_query_2.append(store.count_papers()))
        outcomes = [harvester.harvest_one(q, max_results=2) for q in queries]
        times = harvester.getter.request_times
        first, second, third = outcomes
        # point 1-2: >= 3 s apart, growing, and the 3rd request of query 1 >= 5 s after the 429
        assert server.requests[:3] == [(queries[0], 0)] * 3
        assert times[1] - times[0] >= 3.0 and times[2] - times[1] >= 5.0
        gaps = _gaps(harvester.getter)
        assert all(g >= 3.0 for g in gaps)
        q2 = [t for t, r in zip(times, server.requests) if r[0] == queries[1]]
        q2_gaps = [b - a for a, b in zip(q2, q2[1:])]
        assert q2_gaps == sorted(q2_gaps) and q2_gaps[-1] > q2_gaps[0]  # growing delays
        # point 3: query 1 succeeded with 2 papers, stored before query 2 started
        assert first.status == "ok" and first.harvested == 2 and stored_before_query_2 == [2]
        # point 4: query 2 gave up after 5 attempts, the run went on
        assert second.status == "rate-limited" and server.requests.count((queries[1], 0)) == 5
        # point 5: 400 not retried; message names the query and says it was rejected as malformed
        assert third.status == "rejected" and server.requests.count((queries[2], 0)) == 1
        assert "rejected as malformed (HTTP 400)" in third.summary() and queries[2] in third.summary()
        # point 6: the summary
        assert run_summary(outcomes) == ("1 query ok (2 papers), 1 query rate-limited after 5 attempts: "
                                         "cat:cs.CL AND all:toy, 1 query rejected (HTTP 400): id_list=not-an-id")
        # re-running resumes only the failed queries
        server.requests.clear()
        again = [harvester.harvest_one(q, max_results=2) for q in queries]
        assert (queries[0], 0) not in server.requests and (queries[1], 0) in server.requests
        assert again[0].status == "ok" and store.count_papers() == 2


def test_delay_below_three_seconds_refused():
    with pytest.raises(ValueError, match="at least 3"):
        PoliteGetter(RetryPolicy(delay_seconds=1.0), floor=3.0)
