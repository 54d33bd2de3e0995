"""LaTeX accents and special letters become Unicode (NFC) in titles, abstracts and author names from every source,
while math and other markup in arXiv text stay as written (``latex.convert_accents``)."""
from __future__ import annotations

import json
import random
import re
import unicodedata

import pytest
from accent_reference import ref_convert_accents

from homog.corpus.identity import canonical_id
from homog.corpus.record import Paper
from homog.corpus.sources import arxiv_snapshot, csv_table, oai_pmh
from homog.corpus.sources._common import build_paper, split_authors
from homog.corpus.sources.latex import convert_accents

# an accent or special-letter macro, as it would be left in text that was not converted
ACCENT_MACRO = re.compile(r"\\(?:[\"'`^~=.]|(?:[uvHckrdb]|ss|ae|AE|oe|OE|aa|AA|[oOlLij])(?![A-Za-z]))")

HAND = [
    # the symbol accents, bare, braced, in a group, after spaces
    (r'Gr\"obner', "Gröbner"), (r'Gr\"{o}bner', "Gröbner"), (r'Gr{\"o}bner', "Gröbner"), (r'Gr{\"{o}}bner', "Gröbner"),
    (r'Gr\" obner', "Gröbner"), (r"Koll\'ar", "Kollár"), (r"Koll\'{a}r", "Kollár"), (r"Tom\`as", "Tomàs"),
    (r"Beno\^it", "Benoît"), (r"Requi\~ao", "Requião"), (r"Mu\~{n}oz", "Muñoz"), (r"\=a", "ā"), (r"Bo\.zena", "Bożena"),
    (r"Erd\" os and S\' os", "Erdös and Sós"), ("Sch\\\"{o}n\n  \\\"uber", "Schön\n  über"),
    # the letter accents: braced, or their argument after a space
    (r"Gon\c{c}alves", "Gonçalves"), (r"Gon\c calves", "Gonçalves"), (r"\c C", "Ç"), (r"Cr\u{a}ciun", "Crăciun"),
    (r"\u g", "ğ"), (r"\v{S}r\'amek", "Šrámek"), (r"Ne\v{s}et\v{r}il", "Nešetřil"), (r"\v s", "š"), (r"\v {s}", "š"),
    (r"Erd\H{o}s", "Erdős"), (r"Wojt\k{a}", "Wojtą"), (r"\r{a}", "å"), (r"\r a", "å"), (r"\d{a}", "ạ"), (r"\b{b}", "ḇ"),
    # the special letters, bare or in a group; "{}" and "\ " end them; the spaces before a lower-case letter go
    (r"Yakary{\i}lmaz", "Yakaryılmaz"), (r"Yakary\i lmaz", "Yakaryılmaz"), (r"Stra\ss e", "Straße"),
    (r"Stra{\ss}e", "Straße"), (r"Stra\ss{}e", "Straße"), (r"J{\o}rgensen", "Jørgensen"), (r"S\o ren", "Søren"),
    (r"{\O}bro", "Øbro"), (r"\O stergaard", "Østergaard"), (r"\ae", "æ"), (r"\AE", "Æ"), (r"\oe uvre", "œuvre"),
    (r"\OE", "Œ"), (r"Pawe{\l} Kowalski", "Paweł Kowalski"), (r"Pawe\l\ Kowalski", "Paweł Kowalski"),
    (r"Pawe\l Kowalski", "Paweł Kowalski"), (r"{\L}ojasiewicz", "Łojasiewicz"), (r"M{\aa}rten", "Mårten"),
    (r"\AA ngstr\"om", "Ångström"), (r"x\ss", "xß"),
    # accents on the dotless i and j, and two stacked accents
    (r'Na\"{\i}ve', "Naïve"), (r'Na\"\i ve', "Naïve"), (r"Mar\'{\i}a", "María"), (r"\^\j", "ĵ"),
    (r"Nguy\~{\^e}n", "Nguyễn"), (r"Nguy{\~{\^e}}n", "Nguyễn"), (r"Nguy\~{\^{e}}n", "Nguyễn"),
    (r'\"\o', "ø\u0308"), (r"\v{\"o}", "ö\u030c"), (r"\c{\c{c}}", "ç\u0327"),
    # letters of other scripts, and accents on them
    ("\\'\u00e9", "\u00e9\u0301"), ("M\\\"{\u00fc}", "M\u00fc\u0308"), ("\\c\u00e7", "\u00e7\u0327"),
]


@pytest.mark.parametrize("markup, expected", HAND)
def test_accent_and_special_letter_macros_become_unicode(markup, expected):
    converted = convert_accents(markup)
    assert converted == expected
    assert converted == unicodedata.normalize("NFC", converted)
    assert convert_accents(converted) == converted


MATH = [
    r"From dyadic $\Lambda_{\alpha}$ to $\Lambda_{\alpha}$", r"$\mathcal{O}(n)$ time", r"\mathcal{O}(n) time",
    r"$\"a$", r"$$\v{s} + \'x$$", r"\(\"a\) and \[\'e\]", r"$\hat{x}$, $\tilde y$, $\bar z$, $\dot{u}$",
    r"\alpha \beta \in \int \infty \ell \omega \Omega \ca \bar{x} \cite{a} \emph{b} \textit{c} \%",
    r"$2^{O(tw(G))} n^{1+\varepsilon}$", r"$O(n^{\varepsilon'})$", r"costs \$5 and \$6", r"a \\ b", r"\"{}",
    r"http://www.example.org/\~user",
]


@pytest.mark.parametrize("text", MATH)
def test_math_and_other_markup_stay_as_written(text):
    assert convert_accents(text) == text


def test_accents_next_to_math_are_converted_and_the_math_is_not():
    assert convert_accents(r"Koll\'ar's $\alpha$-theorem for $\"a$ and \"a") == "Kollár's $\\alpha$-theorem for $\\\"a$ and ä"
    assert convert_accents(r"H\"{o}lder-continuous $\mathcal{O}(\log^2 n)$ by Erd\H{o}s") == \
        "Hölder-continuous $\\mathcal{O}(\\log^2 n)$ by Erdős"
    assert convert_accents(r"cost \$5 by G\'acs") == "cost \\$5 by Gács"
    assert convert_accents(r"a\\\"o") == "a\\\\ö"  # an escaped backslash, then an accent


@pytest.mark.parametrize("text", ["", "plain text", "Gröbner", "x = $a+b$", "{braces} and ~ tildes", "e\u0301"])
def test_text_without_a_backslash_is_returned_as_it_is(text):
    assert convert_accents(text) is text


def test_text_with_only_math_is_returned_as_it_is():
    text = r"$\alpha$ and $\mathcal{O}(n)$"
    assert convert_accents(text) is text


PIECES = ["\\", "\\\\", "$", "$$", "{", "}", "/", "~", " ", "  ", "\n", "\u00a0", "\u2003", "\\(", "\\)", "\\[",
          "\\]", '\\"', "\\'", "\\~", "\\^", "\\c", "\\v", "\\H", "\\o", "\\O", "\\ss", "\\i", "\\l", "\\a",
          "\\A", "\\s", "\\alpha", "\\in", "\\$", "\\ ", "{}", '{\\"o}', "{\\o}", '\\"{o}', "/\\~", "\\c{c}",
          "{\\i}", "\\~{\\^e}", "o", "a", "e", "c", "A", "n", "ren", "x", "\u00f6", "e\u0301", "\u0301", "\u030b",
          "\u00e9"]


def test_convert_accents_is_the_one_expression_and_idempotent():
    """Random mixtures of accents, special letters, math, escapes, groups and spaces: ``convert_accents`` (searching
    for "\\" and "$" apart, and passing again only when needed) gives what the one expression gives, and converting
    its result changes nothing."""
    rng = random.Random(20240601)
    for _ in range(20_000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 16)))
        converted = convert_accents(text)
        assert unicodedata.normalize("NFC", converted) == ref_convert_accents(text), repr(text)
        assert convert_accents(converted) == converted, repr(text)


def test_split_authors_and_build_paper_convert_names_titles_abstracts():
    assert split_authors(r"Bruno Requi\~ao da Cunha and Sebasti\'an Gon\c{c}alves, A. Yakary{\i}lmaz") == [
        "Bruno Requião da Cunha", "Sebastián Gonçalves", "A. Yakaryılmaz"]
    assert split_authors(r"S\o ren Kierkegaard; Micha\l{} Kowalski") == ["Søren Kierkegaard", "Michał Kowalski"]
    paper = build_paper(source="t", raw_id="2101.00001", title=r"Gr\"obner bases for $\"a$-nets",
                        abstract=r"We prove Koll\'ar's theorem with $\mathcal{O}(n)$ steps, see Erd\H{o}s.",
                        authors=[r"J\'anos Koll\'ar", "Plain Name", 7])
    assert paper.title == "Gröbner bases for $\\\"a$-nets"
    assert paper.abstract == "We prove Kollár's theorem with $\\mathcal{O}(n)$ steps, see Erdős."
    assert paper.authors == ["János Kollár", "Plain Name", 7]


def test_title_identity_is_the_same_whichever_way_the_accent_is_written():
    """Records without an arXiv id or DOI are merged by title: one paper, however its accents are written."""
    ids = {build_paper(source="t", title=title, year=2007).id
           for title in (r"Gr\"obner bases", r"Gr{\"o}bner bases", r"Gr\"{o}bner bases", "Gröbner bases")}
    assert ids == {canonical_id(title="Gröbner bases", year=2007)}


# --- real data ---------------------------------------------------------------------------------------------------

def _papers(items):
    return [item for item in items if isinstance(item, Paper)]


def test_oai_pmh_authors_keep_no_accent_macro(data_dir):
    [path] = (data_dir / "arxiv-oai-pmh").glob("*.xml")
    assert ACCENT_MACRO.search(path.read_text(encoding="utf-8"))  # the raw file has them (127 of 1,000 papers)
    papers = _papers(oai_pmh.read(path))
    assert len(papers) == 1000
    left = [name for paper in papers for name in paper.authors if ACCENT_MACRO.search(name)]
    assert left == []
    names = {name for paper in papers for name in paper.authors}
    assert {"Bruno Requião da Cunha", "Sebastián Gonçalves", "Abuzer Yakaryılmaz"} <= names
    titles = {paper.title for paper in papers}
    assert "Learning Erdős-Rényi Random Graphs via Edge Detecting Queries" in titles
    # outside math no accent macro is left in any title or abstract either
    for paper in papers:
        for text in (paper.title, paper.abstract or ""):
            outside_math = re.sub(r"\$[^$]*\$", "", text)
            assert not ACCENT_MACRO.search(outside_math), outside_math


def test_snapshot_titles_convert_accents_and_keep_math(data_dir):
    path = data_dir / "arxiv-kaggle-jsonl" / "arxiv-metadata-oai-snapshot.sample.jsonl"
    fast = _papers(arxiv_snapshot.read(path))
    general = [arxiv_snapshot.record_to_paper(json.loads(line)) for line in path.read_text().splitlines() if line]
    for papers in (fast, general):
        titles = {paper.title for paper in papers}
        assert "Approximation for extinction probability of the contact process based on the Gröbner basis" in titles
        assert "A transcendental approach to Kollár's injectivity theorem" in titles
        assert "From dyadic $\\Lambda_{\\alpha}$ to $\\Lambda_{\\alpha}$" in titles
        abstracts = [paper.abstract or "" for paper in papers]
        assert not [a for a in abstracts if ACCENT_MACRO.search(re.sub(r"\$[^$]*\$", "", a))]
        assert any("\\alpha" in a for a in abstracts)  # math as written
    assert [paper.to_dict() for paper in fast] == [paper.to_dict() for paper in general]


def test_snapshot_fast_path_converts_without_falling_back(tmp_path, cases_dir, monkeypatch):
    """Records with accents take the fast path (not the general one) and come out converted."""
    base = json.loads((cases_dir / "07-kaggle-snapshot-fields.jsonl").read_text().splitlines()[0])
    rec = {**base, "title": r"Gr\"obner bases for $\"a$", "abstract": r"By Koll\'ar and Erd\H{o}s: $\alpha$ of five.",
           "authors_parsed": [[r"Gon\c{c}alves", r"Sebasti\'an", ""], ["Plain", "A.", ""]]}
    path = tmp_path / "accents.jsonl"
    path.write_text(json.dumps(rec) + "\n" + json.dumps({**rec, "authors_parsed": None,
                                                         "authors": r"J. Requi\~ao and {\O}. Bro"}) + "\n")
    monkeypatch.setattr(arxiv_snapshot, "_general_line", lambda *a: pytest.fail("took the general path"))
    first, second = arxiv_snapshot.read(path)
    assert first.title == "Gröbner bases for $\\\"a$"
    assert first.abstract == "By Kollár and Erdős: $\\alpha$ of five."
    assert first.authors == ["Sebastián Gonçalves", "A. Plain"]
    assert second.authors == ["J. Requião", "Ø. Bro"]


def test_kaggle_csv_authors_keep_no_accent_macro(data_dir):
    papers = _papers(csv_table.read(data_dir / "arxiv-kaggle-2007" / "arxiv_data.csv"))
    assert len(papers) == 2000
    assert [name for paper in papers for name in paper.authors if ACCENT_MACRO.search(name)] == []
    assert "C. Balázs" in papers[0].authors
