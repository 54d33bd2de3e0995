"""An arxiv-oai source of a corpus specification: what it asks OAI-PMH for, and which papers it keeps."""
from __future__ import annotations

from datetime import datetime

import responses
from lxml import etree
from mock_arxiv import FakeClock

from homog.corpus.harvest.arxiv_api import query_key
from homog.corpus.harvest.paged import harvest_pages, oai_fetcher
from homog.corpus.harvest.polite import Spacing
from homog.corpus.harvest.run import harvest_spec
from homog.corpus.harvest.spec import load_spec

OAI = "{http://www.openarchives.org/OAI/2.0/}"
RAW = "{http://arxiv.org/OAI/arXivRaw/}"
URL = "http://127.0.0.1/oai"


def _page(data_dir, token: str = "") -> tuple[bytes, list[etree._Element]]:
    """The real ListRecords page with its resumptionToken set to ``token`` (empty: the last page)."""
    root = etree.fromstring(next((data_dir / "arxiv-oai-pmh").glob("*.xml")).read_bytes())
    root.find(f".//{OAI}resumptionToken").text = token
    return etree.tostring(root), root.findall(f".//{OAI}record")


def _first_version(record) -> datetime:
    raw = record.find(f"{OAI}metadata/{RAW}arXivRaw")
    v1 = next(v for v in raw.iterfind(f"{RAW}version") if v.get("version") == "v1")
    return datetime.strptime(v1.findtext(f"{RAW}date"), "%a, %d %b %Y %H:%M:%S GMT")


@responses.activate
def test_oai_source_asks_from_the_window_start_and_keeps_first_versions_inside_it(tmp_path, data_dir, store):
    """OAI-PMH selects by datestamp (a record's last change), so the source asks from date_from with no end and
    keeps papers by their first version's date: a 2017 paper updated in 2019 is not in a 2019 window, and a
    paper first submitted in the window is kept whenever it was last changed."""
    body, records = _page(data_dir)
    responses.add(responses.GET, URL, body=body, content_type="text/xml", match=[
        responses.matchers.query_param_matcher({"verb": "ListRecords", "metadataPrefix": "arXivRaw", "set": "cs",
                                                "from": "2019-01-01"})])
    spec = tmp_path / "oai.toml"
    spec.write_text(f'name = "oai"\n[[source]]\nkind = "arxiv-oai"\nset = "cs"\nbase_url = "{URL}"\n'
                    'categories = ["cs.LG"]\ndate_from = 2019-01-01\ndate_to = 2019-09-30\n')
    result = harvest_spec(load_spec(spec), store, load_file=None)
    expected = []
    for record in records:
        raw = record.find(f"{OAI}metadata/{RAW}arXivRaw")
        cats = raw.findtext(f"{RAW}categories").split()
        if "cs.LG" in cats and datetime(2019, 1, 1) <= _first_version(record) < datetime(2019, 10, 1):
            expected.append(raw.findtext(f"{RAW}id"))
    assert 0 < len(expected) < len(records)
    assert result.ids == expected
    (outcome,) = result.outcomes
    assert outcome.status == "ok" and outcome.harvested == len(expected) and outcome.reported_total == 2525
    papers = store.get_papers(expected)
    assert all("2019-01-01" <= p.date <= "2019-09-30" and "cs.LG" in p.categories for p in papers)
    assert len(responses.calls) == 1


@responses.activate
def test_oai_pages_are_spaced_apart(data_dir, store):
    first, _ = _page(data_dir, token="next-page")
    last, _ = _page(data_dir)
    responses.add(responses.GET, URL, body=first, content_type="text/xml", match=[
        responses.matchers.query_param_matcher({"verb": "ListRecords", "metadataPrefix": "arXivRaw", "set": "cs"})])
    responses.add(responses.GET, URL, body=last, content_type="text/xml", match=[
        responses.matchers.query_param_matcher({"verb": "ListRecords", "resumptionToken": "next-page"})])
    spacing = Spacing(3.0, FakeClock())
    fetch = oai_fetcher(URL, set_spec="cs", date_from=None, date_until=None, spacing=spacing)
    outcome = harvest_pages(store, "oai", "cs", fetch, max_results=5000, source="arxiv-oai")
    assert outcome.pages == 2 and outcome.harvested == 1000 and outcome.duplicates == 1000
    assert [b - a for a, b in zip(spacing.times, spacing.times[1:])] == [3.0]
    assert {e["reason"] for e in outcome.events} == {"repeated in a later page; dropped"}
    assert {e["origin"] for e in outcome.events} == {"cs page 2"}


@responses.activate
def test_a_repeated_resumption_token_stops_the_harvest_as_partial(data_dir, store):
    """A server that hands back the token it was asked with would be paged forever: stop, say so, resume there."""
    looping, _ = _page(data_dir, token="same")
    responses.add(responses.GET, URL, body=looping, content_type="text/xml")
    fetch = oai_fetcher(URL, set_spec="cs", date_from=None, date_until=None, spacing=Spacing(3.0, FakeClock()))
    outcome = harvest_pages(store, "oai", "cs", fetch, max_results=5000, source="arxiv-oai")
    assert len(responses.calls) == 2 and outcome.pages == 2 and outcome.harvested == 1000
    assert outcome.status == "partial" and outcome.notes == ["stopped: page 2 gave back the cursor it was asked with"]
    assert store.get_harvest_state("oai", query_key("cs", 5000))["cursor"] == "same"
