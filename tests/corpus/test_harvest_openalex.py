"""Live OpenAlex harvesting (pyalex-built queries, cursor paging) against a loopback server (never the internet).

The pages under ``fixtures/openalex`` are hand-written in the OpenAlex ``/works``
format: ``meta.count``/``meta.next_cursor``, ``results[]`` with ids, DOIs,
years, authorships, venues, locations and ``abstract_inverted_index`` (keys in
alphabetical, not reading, order), the last page empty with a null cursor.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from mock_arxiv import FakeClock, Killed, LoopbackServer, kill_on_page

from homog.corpus.harvest.arxiv_api import query_key
from homog.corpus.harvest.paged import harvest_pages, openalex_fetcher
from homog.corpus.harvest.polite import PoliteGetter, RetryPolicy
from homog.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "openalex"
PAGES = [json.loads((FIXTURES / f"works-page{n}.json").read_text(encoding="utf-8")) for n in (1, 2, 3, 4)]
CURSORS = ["*"] + [page["meta"]["next_cursor"] for page in PAGES[:3]]
ABSTRACTS = json.loads((FIXTURES / "abstracts.json").read_text(encoding="utf-8"))
EXPECTED = {  # id -> (doi, year, date, venue, abstract key)
    "doi:10.1038/s41586-020-2649-2": ("10.1038/s41586-020-2649-2", 2020, "2020-09-16", "Nature", "W1"),
    "1706.03762": (None, 2017, "2017-06-12", "arXiv (Cornell University)", "W2"),
    "doi:10.1145/3292500.3330701": ("10.1145/3292500.3330701", 2019, "2019-07-25",
                                    "Knowledge Discovery and Data Mining", None),
    "1512.03385": ("10.1109/cvpr.2016.90", 2016, "2016-06-01",
                   "2016 IEEE Conference on Computer Vision and Pattern Recognition (CVPR)", "W4"),
    "W5": (None, 2021, "2021-03-02", None, "W5"),
    "doi:10.18653/v1/2021.emnlp-main.1": ("10.18653/v1/2021.emnlp-main.1", 2021, "2021-11-07",
                                          "Proceedings of EMNLP 2021", "W6"),
    "doi:10.1162/qss_a_00999": ("10.1162/qss_a_00999", 2023, "2023-05-30", "Quantitative Science Studies", "W7"),
}
LABEL = "OpenAlex clustering {'publication_year': '2016-2023'}"
FILTERS = {"publication_year": "2016-2023"}


class OpenAlexServer(LoopbackServer):
    """Answers ``GET /works`` by its ``cursor`` parameter from ``script[cursor]``: responses served in order, the
    last one repeated; a response is ``{"status", "page" (index into PAGES) or "body", "headers"}``.  ``requests``
    lists the query parameters of every request received."""

    def __init__(self, script: dict[str, list[dict]] | None = None):
        super().__init__()
        self.script = script if script is not None else {c: [{"status": 200, "page": i}] for i, c in enumerate(CURSORS)}
        self.served: dict[str, int] = defaultdict(int)
        self.requests: list[dict[str, str]] = []

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(path)
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.requests.append({"path": parts.path, **params})
        cursor = params.get("cursor", "")
        answers = self.script.get(cursor) if parts.path == "/works" else None
        answers = answers or [{"status": 404, "body": '{"error": "not scripted"}'}]
        answer = answers[min(self.served[cursor], len(answers) - 1)]
        self.served[cursor] += 1
        body = (json.dumps(PAGES[answer["page"]]) if "page" in answer else answer.get("body", "")).encode()
        return answer["status"], {"Content-Type": "application/json", **answer.get("headers", {})}, body

    def cursors(self) -> list[str]:
        return [r.get("cursor", "") for r in self.requests]


def _getter(clock=None, delay=1.0):
    return PoliteGetter(RetryPolicy(delay_seconds=delay, timeout=5), clock=clock or FakeClock())


def _harvest(store, server, getter=None, on_page=None, max_results=100):
    fetch = openalex_fetcher(search="clustering", filters=FILTERS, per_page=3, base_url=server.url,
                             getter=getter or _getter())
    return harvest_pages(store, "oa", LABEL, fetch, max_results=max_results, source="openalex", on_page=on_page)


def _w5_id(store):
    return next(p.id for p in store.get_papers() if p.source_id == "https://openalex.org/W4390000005")


def _papers(store):
    return [p.to_dict() for p in store.get_papers()]


def test_works_arrive_as_papers_with_rebuilt_abstracts(store):
    with OpenAlexServer() as server:
        outcome = _harvest(store, server)
    # cursor paging: "*", then each page's next_cursor, stopping at the empty page with a null cursor
    assert server.cursors() == CURSORS
    first = server.requests[0]
    assert first["path"] == "/works" and first["per-page"] == "3" and first["search"] == "clustering"
    assert first["filter"] == "publication_year:2016-2023"
    assert outcome.status == "ok" and outcome.harvested == 7 and outcome.reported_total == 7
    assert outcome.pages == 4 and outcome.duplicates == 0 and outcome.problems == []
    assert outcome.summary().startswith("OpenAlex reported 7 results for")
    ids = store.get_harvest_ids("oa", query_key(LABEL, 100))
    w5 = _w5_id(store)
    assert ids == [w5 if i == "W5" else i for i in EXPECTED]
    assert store.count_papers() == 7
    by_id = {p.id: p for p in store.get_papers()}
    for expected_id, (doi, year, day, venue, abstract) in EXPECTED.items():
        paper = by_id[w5 if expected_id == "W5" else expected_id]
        assert (paper.doi, paper.year, paper.date, paper.venue, paper.source) == (doi, year, day, venue, "openalex")
        if abstract is None:
            assert paper.abstract is None and paper.abstract_missing == "absent"
        else:
            assert paper.abstract == ABSTRACTS[abstract]  # word for word, from the inverted index
    assert by_id["doi:10.1038/s41586-020-2649-2"].authors == ["Charles R. Harris", "K. Jarrod Millman",
                                                              "Stéfan J. van der Walt"]
    assert by_id["1706.03762"].abstract.startswith("We propose a sequence transduction model")
    assert by_id[w5].title == "A naïve baseline for clustering paper abstracts"  # no DOI: identified by title
    # a finished harvest is not asked again
    with OpenAlexServer() as server:
        again = _harvest(store, server)
    assert server.requests == [] and again.to_dict() == outcome.to_dict()


def test_rate_limit_and_unavailable_mid_harvest_are_retried_politely(store):
    clock = FakeClock()
    getter = _getter(clock, delay=1.0)
    script = {c: [{"status": 200, "page": i}] for i, c in enumerate(CURSORS)}
    script[CURSORS[1]] = [{"status": 429, "body": '{"error": "rate limit"}', "headers": {"Retry-After": "7"}},
                          {"status": 503, "body": "Service Unavailable"},
                          {"status": 200, "page": 1}]
    with OpenAlexServer(script) as server:
        outcome = _harvest(store, server, getter)
    assert server.cursors() == [CURSORS[0], CURSORS[1], CURSORS[1], CURSORS[1], CURSORS[2], CURSORS[3]]
    assert outcome.status == "ok" and outcome.harvested == 7 and store.count_papers() == 7
    gaps = [b - a for a, b in zip(getter.request_times, getter.request_times[1:])]
    assert all(gap >= 1.0 for gap in gaps)  # the polite delay between every two requests
    assert gaps[1] >= 7.0  # Retry-After of the 429 honoured
    assert gaps[2] > gaps[0]  # growing delay after the 503


def test_gives_up_after_retries_then_resumes_at_the_failed_page(tmp_path):
    script = {c: [{"status": 200, "page": i}] for i, c in enumerate(CURSORS)}
    script[CURSORS[2]] = [{"status": 503, "body": "down"}]
    with OpenAlexServer() as server, Store(tmp_path / "full.sqlite") as full:
        reference = _harvest(full, server)
        expected = _papers(full)
    with OpenAlexServer(script) as server, Store(tmp_path / "broken.sqlite") as broken:
        failed = _harvest(broken, server)
        assert failed.status == "failed" and failed.attempts == 5 and failed.harvested == 6
        assert server.cursors().count(CURSORS[2]) == 5 and broken.count_papers() == 6
        assert "stopped: OpenAlex page cursor=" in failed.summary() and "(HTTP 503)" in failed.summary()
        server.script[CURSORS[2]] = [{"status": 200, "page": 2}]
        server.requests.clear()
        resumed = _harvest(broken, server)
        assert server.cursors() == CURSORS[2:]  # pages already stored are not asked again
        assert resumed.status == "ok" and resumed.notes == []
        assert _papers(broken) == expected
        assert {**resumed.to_dict(), "attempts": 0} == {**reference.to_dict(), "attempts": 0}


@pytest.mark.parametrize("kill_after", [1, 2, 3])
def test_killed_harvest_resumes_to_identical_store(tmp_path, kill_after):
    with OpenAlexServer() as server, Store(tmp_path / "full.sqlite") as full, \
            Store(tmp_path / "killed.sqlite") as killed:
        reference = _harvest(full, server)
        with pytest.raises(Killed):
            _harvest(killed, server, on_page=kill_on_page(kill_after))
        assert killed.count_papers() == min(3 * kill_after, 7)  # the killed page was stored with its cursor
        server.requests.clear()
        resumed = _harvest(killed, server)
        assert server.cursors() == CURSORS[kill_after:]  # restarts at the first unfinished page
        assert _papers(killed) == _papers(full)
        assert killed.get_harvest_ids("oa", query_key(LABEL, 100)) == full.get_harvest_ids("oa", query_key(LABEL, 100))
        assert resumed.to_dict() == reference.to_dict()


def test_max_results_stops_paging(store):
    with OpenAlexServer() as server:
        outcome = _harvest(store, server, max_results=4)
    assert server.cursors() == CURSORS[:2] and outcome.status == "ok"
    assert outcome.harvested == 4 and store.count_papers() == 4


def test_spec_source_harvested_from_its_base_url(tmp_path, store):
    from homog.corpus.harvest.run import harvest_spec
    from homog.corpus.harvest.spec import load_spec

    with OpenAlexServer() as server:
        spec_path = tmp_path / "oa.toml"
        spec_path.write_text(f'name = "oa"\nmax_papers = 5\n[[source]]\nkind = "openalex"\nquery = "clustering"\n'
                             f'base_url = "{server.url}"\npage_size = 3\n'
                             f'[source.filter]\npublication_year = "2016-2023"\n')
        result = harvest_spec(load_spec(spec_path), store, load_file=lambda *a: pytest.fail("no file sources"),
                              getter=_getter())
    assert server.cursors() == CURSORS[:2]
    assert all(r["filter"] == "publication_year:2016-2023" and r["search"] == "clustering" for r in server.requests)
    assert len(result.ids) == 5 and result.outcomes[0].source == "openalex" and result.outcomes[0].status == "ok"
    assert result.ids[:2] == ["doi:10.1038/s41586-020-2649-2", "1706.03762"]


def test_unreachable_server_fails_fast():
    from homog.corpus.harvest.paged import FetchFailed

    fetch = openalex_fetcher(search=None, filters={}, per_page=3, base_url="http://127.0.0.1:9",
                             getter=_getter())
    with pytest.raises(FetchFailed) as err:
        fetch(None)
    assert err.value.kind == "unreachable" and err.value.attempts == 2
