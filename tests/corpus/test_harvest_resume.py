"""Killed harvests resume to exactly the uninterrupted result; specs, OAI-PMH and offline behaviour."""
from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses
from mock_arxiv import FakeClock, Killed, ScriptServer, kill_on_page

from homog.corpus.harvest.arxiv_api import ArxivHarvester
from homog.corpus.harvest.paged import harvest_pages, oai_fetcher
from homog.corpus.harvest.polite import PoliteGetter, RetryPolicy
from homog.corpus.harvest.spec import arxiv_query, load_spec, month_windows
from homog.corpus.ingest import ingest_query
from homog.errors import HomogError
from homog.store import Store


def _recorded_script(data_dir):
    folder = data_dir / "arxiv-api-atom" / "recorded_2026"
    index = json.loads((folder / "index.json").read_text())
    script = {}
    for entry in index:
        params = dict(parse_qsl(urlsplit(entry["url"]).query))
        if params.get("search_query") == "testing" and params.get("max_results") == "10":
            script[("testing", int(params["start"]))] = [{"status": 200, "body": entry["file"]}]
    return script, folder


def _harvest(store, server, on_page=None):
    getter = PoliteGetter(RetryPolicy(), clock=FakeClock(), floor=3.0)
    harvester = ArxivHarvester(store, page_size=10, getter=getter, base_url=server.url, on_page=on_page)
    return harvester.harvest_one("testing", max_results=60)


@pytest.mark.parametrize("kill_after", [1, 3, 5])
def test_killed_harvest_resumes_to_identical_store(tmp_path, data_dir, kill_after):
    script, folder = _recorded_script(data_dir)
    with ScriptServer(script, folder) as server, Store(tmp_path / "full.sqlite") as full, \
            Store(tmp_path / "killed.sqlite") as killed:
        reference = _harvest(full, server)
        with pytest.raises(Killed):
            _harvest(killed, server, kill_on_page(kill_after))
        server.requests.clear()
        resumed = _harvest(killed, server)
        assert server.requests[0] == ("testing", 10 * kill_after)  # no finished page asked again
        assert [p.to_dict() for p in killed.get_papers()] == [p.to_dict() for p in full.get_papers()]
        assert resumed.to_dict() == reference.to_dict()
        assert reference.harvested == len(full.get_papers()) and reference.status == "ok"


def test_spec_windows_and_query(tmp_path):
    spec_path = tmp_path / "c.toml"
    spec_path.write_text('name = "x"\nmax_papers = 10\n[[source]]\nkind = "arxiv-api"\nquery = "abs:benchmark"\n'
                         'categories = ["cs.LG", "cs.CL"]\ndate_from = 2015-01-01\ndate_to = 2015-12-31\n'
                         'window_months = 6\n')
    spec = load_spec(spec_path)
    assert arxiv_query(spec.sources[0]) == "abs:benchmark AND (cat:cs.LG OR cat:cs.CL)"
    from datetime import date

    assert month_windows(date(2015, 1, 1), date(2015, 12, 31), 6) == [
        (date(2015, 1, 1), date(2015, 6, 30)), (date(2015, 7, 1), date(2015, 12, 31))]
    spec_path.write_text('[[source]]\nkind = "arxiv-api"\nquery = "x"\ndelay_seconds = 1\n')
    with pytest.raises(HomogError, match="delay_seconds must be at least 3"):
        load_spec(spec_path)


def test_shipped_corpora_are_valid():
    from pathlib import Path

    specs = sorted((Path(__file__).resolve().parents[2] / "corpora").glob("*.toml"))
    assert len(specs) >= 3
    for path in specs:
        assert load_spec(path).sources


def test_ingest_query_offline_says_so(store):
    getter = PoliteGetter(RetryPolicy(timeout=2), clock=FakeClock(), floor=3.0)
    harvester = ArxivHarvester(store, harvest_key="query", getter=getter, base_url="http://127.0.0.1:9/api/query")
    with pytest.raises(HomogError) as err:
        ingest_query("cat:cs.LG", store, max_results=5, harvester=harvester)
    assert "could not reach arXiv" in err.value.message and "pass paper files" in err.value.message
    assert "\n" not in err.value.message


@responses.activate
def test_oai_pmh_resumption_token_paging(data_dir, store):
    from lxml import etree

    page = (next((data_dir / "arxiv-oai-pmh").glob("*.xml"))).read_bytes()
    root = etree.fromstring(page)
    ns = {"o": "http://www.openarchives.org/OAI/2.0/"}
    records = root.findall(".//o:record", ns)
    listing = root.find(".//o:ListRecords", ns)
    for record in records[5:]:
        listing.remove(record)
    token = listing.find("o:resumptionToken", ns)
    first = etree.tostring(root)
    token.text = ""
    for record in records[:5]:
        listing.remove(record)
    for record in records[5:8]:
        listing.insert(0, record)
    second = etree.tostring(root)
    url = "http://127.0.0.1/oai"
    responses.add(responses.GET, url, status=503, headers={"Retry-After": "0"},
                  match=[responses.matchers.query_param_matcher({"verb": "ListRecords", "metadataPrefix": "arXivRaw",
                                                                 "set": "cs"})])
    responses.add(responses.GET, url, body=first, content_type="text/xml",
                  match=[responses.matchers.query_param_matcher({"verb": "ListRecords", "metadataPrefix": "arXivRaw",
                                                                 "set": "cs"})])
    responses.add(responses.GET, url, body=second, content_type="text/xml",
                  match=[responses.matchers.query_param_matcher({"verb": "ListRecords",
                                                                 "resumptionToken": "3996692|1001"})])
    fetch = oai_fetcher(url, set_spec="cs", date_from=None, date_until=None, default_retry_after=0)
    outcome = harvest_pages(store, "oai", "cs", fetch, max_results=100, source="arxiv-oai")
    assert outcome.status == "ok" and outcome.pages == 2 and outcome.harvested == 8
    assert outcome.reported_total == 2525 and store.count_papers() == 8
    assert len(responses.calls) == 3  # the 503 was retried by sickle
