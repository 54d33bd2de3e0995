"""Identity: arXiv id parsing, years, file names, DOIs, title keys and merging."""
from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, strategies as st

from homog.corpus.identity import (
    canonical_id, filename_to_id, id_to_filename, merge_papers, normalize_doi, parse_arxiv_id, title_key,
    year_from_arxiv_id,
)
from homog.corpus.record import Paper
from homog.errors import HomogError


@pytest.mark.parametrize("raw, canonical, version, category", [
    ("2101.00001", "2101.00001", None, None),
    ("2101.00001v3", "2101.00001", 3, None),
    ("arXiv:2101.00001v2", "2101.00001", 2, None),
    ("http://arxiv.org/abs/2101.00001v1", "2101.00001", 1, None),
    ("https://arxiv.org/pdf/1707.08567v2.pdf", "1707.08567", 2, None),
    ("0704.0001", "0704.0001", None, None),
    ("704.0001", "0704.0001", None, None),  # leading zero lost in a spreadsheet
    ("704.2", "0704.2000", None, None),  # ... and trailing zeros too
    ("912.01v2", "0912.0100", 2, None),
    ("hep-th/9901001", "hep-th/9901001", None, None),
    ("arXiv:hep-th/9901001v2", "hep-th/9901001", 2, None),
    ("math.GT/0309136", "math/0309136", None, "math.GT"),
    ("http://arxiv.org/abs/quant-ph/0201082v1", "quant-ph/0201082", 1, None),
])
def test_parse_arxiv_id(raw, canonical, version, category):
    parsed = parse_arxiv_id(raw)
    assert (parsed.id, parsed.version, parsed.category) == (canonical, version, category)
    assert isinstance(parsed.id, str)


@pytest.mark.parametrize("bad", ["2101.1", "1501.0001", "1412.00001", "2113.00001", "abc", "hep-th/9913001"])
def test_parse_arxiv_id_rejects_malformed(bad):
    with pytest.raises(HomogError, match="not an arXiv id"):
        parse_arxiv_id(bad)


def test_bare_old_number_is_rejected_with_archive_hint():
    with pytest.raises(HomogError) as err:
        parse_arxiv_id("0112019")
    assert err.value.reason == ("arXiv id '0112019' lacks its archive (e.g. 'quant-ph/0112019'); "
                                "cannot identify the paper")


@pytest.mark.parametrize("arxiv_id, year", [
    ("hep-th/9101001", 1991), ("hep-th/9901001", 1999), ("math/0001001", 2000), ("math/0309136", 2003),
    ("cs/0701188", 2007), ("0704.0001", 2007), ("1412.1234", 2014), ("2101.00001", 2021),
])
def test_year_from_arxiv_id(arxiv_id, year):
    assert year_from_arxiv_id(arxiv_id) == year


@pytest.mark.parametrize("paper_id, name", [
    ("hep-th/9901001", "hep-th_9901001"), ("2101.00001", "2101.00001"),
    ("doi:10.1000/a_b", "doi%3A10.1000_a%5Fb"),
])
def test_id_to_filename(paper_id, name):
    assert id_to_filename(paper_id) == name
    assert "/" not in name
    assert filename_to_id(name) == paper_id


@given(st.text(min_size=1, max_size=40))
def test_filename_round_trip_any_id(paper_id):
    name = id_to_filename(paper_id)
    assert "/" not in name
    assert filename_to_id(name) == paper_id


@pytest.mark.parametrize("raw, doi", [
    ("https://doi.org/10.1002/JCC.20289", "10.1002/jcc.20289"), ("doi:10.1/X", "10.1/x"),
    ("http://dx.doi.org/10.1103/PhysRevB.85.115117", "10.1103/physrevb.85.115117"),
    ("  ", None), ("", None), (None, None),
])
def test_normalize_doi(raw, doi):
    assert normalize_doi(raw) == doi


def test_canonical_id_scheme():
    expected = "title:" + hashlib.sha1("atoymethod|2015".encode()).hexdigest()[:16]
    assert title_key("A Toy  method!", 2015) == expected
    assert title_key("a toy method", 2015) == expected
    assert title_key("A toy method", 2016) != expected
    assert canonical_id(arxiv_id="2101.00001", doi="10.1/x", title="t") == "2101.00001"
    assert canonical_id(doi="10.1/x", title="t", year=2020) == "doi:10.1/x"
    assert canonical_id(title="", year=2020) is None
    assert canonical_id(title="", record_id="t1") == "id:t1"


def test_merge_papers_keeps_first_date_and_latest_text():
    v1 = Paper(id="x", title="Old title", abstract="one two three four five six", date="2021-01-01",
               versions_seen=[1], text_version=1, source="a", categories=["cs.LG"])
    v3 = Paper(id="x", title="New title", abstract="seven eight nine ten eleven twelve", date="2023-06-15",
               versions_seen=[3], text_version=3, source="b", categories=["stat.ML"], doi="10.1/x")
    for merged in (merge_papers(v1, v3), merge_papers(v3, v1)):
        assert merged.date == "2021-01-01" and merged.year == 2021
        assert merged.title == "New title" and merged.text_version == 3
        assert merged.versions_seen == [1, 3]
        assert merged.n_source_records == 2
        assert set(merged.sources) == {"a", "b"}
        assert set(merged.categories) == {"cs.LG", "stat.ML"}
        assert merged.doi == "10.1/x"


def test_merge_papers_fills_missing_abstract_from_other():
    latest = Paper(id="x", title="T", abstract=None, text_version=2, versions_seen=[2])
    older = Paper(id="x", title="T", abstract="one two three four five six", text_version=1, versions_seen=[1])
    merged = merge_papers(latest, older)
    assert merged.abstract == "one two three four five six"
    assert merged.abstract_missing is None and merged.text_version == 1


def test_title_key_form_keeps_exactly_the_alphanumeric_characters():
    """normalize_title's regular expression drops exactly what str.isalnum() rejects, for every code point."""
    from homog.corpus.identity import normalize_title

    every = "".join(map(chr, range(0x110000)))
    assert normalize_title(every) == "".join(ch for ch in every.casefold() if ch.isalnum())
    assert normalize_title("Attention Is All You Need!") == normalize_title("attention is all you need") \
        == "attentionisallyouneed"
    assert normalize_title("Straße_Über α-β") == "strasseüberαβ"
    assert normalize_title(None) == ""
