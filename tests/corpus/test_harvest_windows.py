"""arXiv API date windows over the paging limit are halved until each part fits (loopback server, never the internet).

The loopback server answers every window of the split tree (down to single
days) from one list of papers with submission dates, as the arXiv API would:
``opensearch:totalResults`` is the window's count, entries come in submission
order, ``page_size`` at a time.  The harvester's ``max_per_query`` is made
small (4) so a nine-paper window is "too large".
"""
from __future__ import annotations

from datetime import date

import pytest
from mock_arxiv import FakeClock, Killed, ScriptServer, kill_on_page

from homog.corpus.harvest.arxiv_api import (
    ArxivHarvester,
    run_summary,
    split_window,
    window_query,
)
from homog.corpus.harvest.polite import PoliteGetter, RetryPolicy
from homog.store import Store

QUERY = "cat:cs.LG"
PAGE = 3
LIMIT = 4
# day of January 2020 -> papers submitted that day: windows 1-8 (9) > 4 -> 1-4 (5) > 4 -> 1-2 (2), 3-4 (3); 5-8 (4)
PAPERS = {1: ["2001.00011"], 2: ["2001.00021"], 3: ["2001.00031", "2001.00032"], 4: ["2001.00041"],
          5: ["2001.00051"], 6: ["2001.00061", "2001.00062"], 7: [], 8: ["2001.00081"]}
ALL_IDS = [i for day in sorted(PAPERS) for i in PAPERS[day]]
WINDOW = (date(2020, 1, 1), date(2020, 1, 8))

_ENTRY = """  <entry>
    <id>http://arxiv.org/abs/{id}v1</id>
    <updated>{day}T09:00:00Z</updated>
    <published>{day}T09:00:00Z</published>
    <title>Paper {id} on learning</title>
    <summary>An abstract for paper {id}, submitted on {day}, about machine learning methods.</summary>
    <author><name>A. Author</name></author>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
"""


def _feed(query: str, start: int, total: int, entries: list[tuple[str, date]]) -> str:
    os = 'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"'
    body = "".join(_ENTRY.format(id=i, day=d.isoformat()) for i, d in entries)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
            f'  <title type="html">ArXiv Query: search_query={query}</title>\n'
            f'  <id>http://arxiv.org/api/window</id>\n  <updated>2026-01-01T00:00:00-05:00</updated>\n'
            f'  <opensearch:totalResults {os}>{total}</opensearch:totalResults>\n'
            f'  <opensearch:startIndex {os}>{start}</opensearch:startIndex>\n'
            f'  <opensearch:itemsPerPage {os}>{PAGE}</opensearch:itemsPerPage>\n{body}</feed>\n')


def _subwindows(window):
    yield window
    if window[0] < window[1]:
        for half in split_window(*window):
            yield from _subwindows(half)


def _script(papers=PAPERS, window=WINDOW, answers_before=None):
    """Every window of the split tree and every page start, answered like the arXiv API."""
    dated = [(i, date(2020, 1, day)) for day in sorted(papers) for i in papers[day]]
    script = {}
    for low, high in _subwindows(window):
        inside = [(i, d) for i, d in dated if low <= d <= high]
        text = window_query(QUERY, low, high)
        for start in range(0, max(len(inside), 1), PAGE):
            script[(text, start)] = [{"status": 200, "body_text": _feed(text, start, len(inside),
                                                                        inside[start:start + PAGE])}]
    for key, answers in (answers_before or {}).items():
        script[key] = answers + script[key]
    return script


def _serve(script) -> ScriptServer:
    return ScriptServer(script, folder=None)


def _harvester(store, server, **kwargs):
    getter = PoliteGetter(RetryPolicy(timeout=5), clock=FakeClock(), floor=3.0)
    return ArxivHarvester(store, harvest_key="win", page_size=PAGE, getter=getter, base_url=server.url,
                          max_per_query=LIMIT, **kwargs)


def _q(low_day, high_day):
    return window_query(QUERY, date(2020, 1, low_day), date(2020, 1, high_day))


def test_over_limit_window_is_halved_until_each_part_fits(store):
    with _serve(_script()) as server:
        harvester = _harvester(store, server)
        outcomes = harvester.harvest(QUERY, max_results=100, window=WINDOW)
        # the big window and its first half are over the limit (9 > 4, 5 > 4) and split; the rest is paged
        assert server.requests == [(_q(1, 8), 0), (_q(1, 4), 0), (_q(1, 2), 0), (_q(3, 4), 0),
                                   (_q(5, 8), 0), (_q(5, 8), 3)]
        assert [(o.query, o.status, o.reported_total, o.harvested) for o in outcomes] == [
            (_q(1, 8), "split", 9, 0), (_q(1, 4), "split", 5, 0), (_q(1, 2), "ok", 2, 2), (_q(3, 4), "ok", 3, 3),
            (_q(5, 8), "ok", 4, 4)]
        assert all(o.reported_total <= LIMIT for o in outcomes if o.status != "split")
        assert "split by date window (9 results > 4)" in outcomes[0].notes
        # the union is exactly the expected ids, in submission order, nothing counted twice
        harvested = store.get_harvest_all_ids("win")
        assert harvested == ALL_IDS and len(set(harvested)) == len(harvested)
        assert sum(o.harvested for o in outcomes) == len(ALL_IDS) == store.count_papers()
        assert sum(o.duplicates + o.overlap for o in outcomes) == 0
        assert all(p.n_source_records == 1 for p in store.get_papers())
        assert run_summary(outcomes) == "3 queries ok (9 papers)"
        gaps = [b - a for a, b in zip(harvester.getter.request_times, harvester.getter.request_times[1:])]
        assert all(gap >= 3.0 for gap in gaps)
        # harvested again: everything is finished, nothing is asked
        server.requests.clear()
        again = _harvester(store, server).harvest(QUERY, max_results=100, window=WINDOW)
        assert server.requests == [] and [o.to_dict() for o in again] == [o.to_dict() for o in outcomes]


def test_halves_share_the_size_limit(store):
    with _serve(_script()) as server:
        outcomes = _harvester(store, server).harvest(QUERY, max_results=5, window=WINDOW)
    assert sum(o.harvested for o in outcomes) == 5 == store.count_papers()
    assert store.get_harvest_all_ids("win") == ALL_IDS[:5]
    assert (_q(5, 8), 0) not in server.requests  # the budget was spent in the first half


def test_window_within_limit_is_not_split(store):
    with _serve(_script()) as server:
        outcomes = _harvester(store, server).harvest(QUERY, max_results=100, window=(date(2020, 1, 5),
                                                                                     date(2020, 1, 8)))
    assert [o.status for o in outcomes] == ["ok"] and outcomes[0].harvested == 4
    assert server.requests == [(_q(5, 8), 0), (_q(5, 8), 3)]


def test_one_day_window_over_the_limit_is_harvested_to_the_limit(store):
    busy = {3: [f"2001.0{n:04d}" for n in range(31, 37)]}  # six papers on one day
    window = (date(2020, 1, 3), date(2020, 1, 3))
    with _serve(_script(busy, window)) as server:
        outcomes = _harvester(store, server).harvest(QUERY, max_results=100, window=window)
    assert len(outcomes) == 1 and outcomes[0].status == "partial" and outcomes[0].harvested == LIMIT
    assert "window cannot be split further; only the first 4 of 6 results harvested" in outcomes[0].notes
    assert server.requests == [(_q(3, 3), 0), (_q(3, 3), 3)]
    assert store.get_harvest_all_ids("win") == busy[3][:LIMIT]


def test_rate_limited_split_window_resumes(tmp_path):
    """A 503-exhausted half stops the run; the rerun does not ask the finished windows again."""
    failing = {(_q(3, 4), 0): [{"status": 503, "body_text": "busy"}] * 5}
    with _serve(_script(answers_before=failing)) as server, \
            Store(tmp_path / "w.sqlite") as store:
        first = _harvester(store, server).harvest(QUERY, max_results=100, window=WINDOW)
        assert [o.status for o in first] == ["split", "split", "ok", "failed", "ok"]
        server.requests.clear()
        second = _harvester(store, server).harvest(QUERY, max_results=100, window=WINDOW)
        assert server.requests == [(_q(3, 4), 0)]
        assert [o.status for o in second] == ["split", "split", "ok", "ok", "ok"]
        assert store.get_harvest_all_ids("win") == ALL_IDS[:2] + ALL_IDS[5:] + ALL_IDS[2:5]  # in storing order
        assert sum(o.harvested for o in second) == 9 == store.count_papers()
        assert all(p.n_source_records == 1 for p in store.get_papers())  # the later half was not harvested twice


@pytest.mark.parametrize("kill_after", [1, 2, 3])
def test_killed_split_harvest_resumes_to_identical_store(tmp_path, kill_after):
    with _serve(_script()) as server, Store(tmp_path / "full.sqlite") as full, \
            Store(tmp_path / "killed.sqlite") as killed:
        reference = _harvester(full, server).harvest(QUERY, max_results=100, window=WINDOW)
        with pytest.raises(Killed):
            _harvester(killed, server, on_page=kill_on_page(kill_after)).harvest(QUERY, max_results=100, window=WINDOW)
        server.requests.clear()
        resumed = _harvester(killed, server).harvest(QUERY, max_results=100, window=WINDOW)
        assert (_q(1, 8), 0) not in server.requests and (_q(1, 4), 0) not in server.requests
        assert [p.to_dict() for p in killed.get_papers()] == [p.to_dict() for p in full.get_papers()]
        assert [o.to_dict() for o in resumed] == [o.to_dict() for o in reference]
