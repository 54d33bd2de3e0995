"""The fast paths of the snapshot reader (and of the normalisation helpers it uses) give exactly what the
general, pre-optimisation code gives: same Papers (compared by repr and pickle bytes), same problems, same order."""
from __future__ import annotations

import json
import pickle
import re
import unicodedata
from datetime import date, datetime, timezone
from itertools import islice
from pathlib import Path

import pytest

from accent_reference import ref_convert_accents

from homog.corpus import identity, record
from homog.corpus.sources import arxiv_snapshot, latex
from homog.corpus.sources._common import open_text
from homog.corpus.sources._json import json_error_reason
from homog.errors import HomogError, Problem

# ---- the helpers as they were before the fast paths (reference implementations) -------------------------

_PARA = re.compile(r"\n\s*\n+")


def ref_normalize_text(text):
    if text is None or isinstance(text, float):
        return None
    text = unicodedata.normalize("NFC", str(text))
    paragraphs = _PARA.split(text) if "\n" in text else [text]
    cleaned = "\n\n".join(joined for joined in (" ".join(p.split()) for p in paragraphs) if joined)
    return cleaned or None


def ref_abstract_problem(abstract, *, min_tokens=record.MIN_ABSTRACT_TOKENS):
    if abstract is None or isinstance(abstract, float):
        return "null"
    abstract = str(abstract)
    if abstract == "":
        return "empty"
    if not abstract.strip():
        return "whitespace"
    stripped = abstract.strip()
    if stripped.lower() in record.PLACEHOLDER_ABSTRACTS:
        return f"placeholder:'{stripped}'"
    if record._WITHDRAWN.match(stripped):
        return "withdrawn"
    if sum(1 for _ in islice(record._TOKEN.finditer(stripped), min_tokens)) < min_tokens:
        return f"too short (<{min_tokens} tokens)"
    return None


def ref_parse_date(value):
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return (value.astimezone(timezone.utc) if value.tzinfo else value).date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if text[:1].isdigit():
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return (parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed).date()
        except ValueError:
            pass
    from email.utils import parsedate_to_datetime

    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return (parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed).date()


def ref_parse_arxiv_id(value):
    text = identity._PREFIX.sub("", str(value).strip())
    if text.lower().endswith(".pdf"):
        text = text[:-4]
    lost = identity._LOST_ZERO.match(text)
    if lost:
        text = f"0{lost.group(1)}.{lost.group(2).ljust(4, '0')}" + (f"v{lost.group(3)}" if lost.group(3) else "")
    new = identity._NEW.match(text)
    if new:
        yy, mm, number, version = new.groups()
        digits_ok = len(number) == (4 if int(yy + mm) < 1501 else 5)
        if 1 <= int(mm) <= 12 and int(yy + mm) >= 704 and digits_ok:
            return identity.ArxivId(f"{yy}{mm}.{number}", int(version) if version else None)
    old = identity._OLD.match(text)
    if old:
        archive, subject, yy, mm, number, version = old.groups()
        if 1 <= int(mm) <= 12 and (int(yy) >= 91 or int(yy) <= 7):
            category = f"{archive}.{subject}" if subject else None
            return identity.ArxivId(f"{archive}/{yy}{mm}{number}", int(version) if version else None, category)
    raise HomogError("not an arXiv id")


def ref_read(path, *, categories=None, date_from=None, date_to=None):
    """The reader loop as it was: text mode, stdlib json, ``record_to_paper`` for every record (which converts
    LaTeX accents in the title, abstract and author names through ``_common.build_paper``)."""
    path = Path(path)
    wanted = [categories] if isinstance(categories, str) else list(categories or [])
    low = record.parse_date(date_from) if date_from is not None else None
    high = record.parse_date(date_to) if date_to is not None else None
    with open_text(path) as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"line {line_no}"
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Problem(path.name, where, json_error_reason(exc))
                continue
            if not isinstance(rec, dict):
                yield Problem(path.name, where, "not a JSON object")
                continue
            if wanted and not arxiv_snapshot.category_matches((rec.get("categories") or "").split(), wanted):
                continue
            try:
                paper = arxiv_snapshot.record_to_paper(rec)
            except (HomogError, ValueError, TypeError, AttributeError) as exc:
                yield Problem(path.name, where, getattr(exc, "reason", str(exc)))
                continue
            if (low or high) and (paper.date is None or (low and paper.date < low.isoformat())
                                  or (high and paper.date > high.isoformat())):
                continue
            yield paper


# ---- inputs ------------------------------------------------------------------------------------------------

def _edge_lines(base: dict) -> list[str]:
    lines = []

    def add(**changes):
        rec = dict(base)
        for key, value in changes.items():
            if value is ...:
                rec.pop(key, None)
            else:
                rec[key] = value
        lines.append(json.dumps(rec))

    add()
    for raw_id in ["0704.0001v3", "arXiv:2101.00001", "hep-th/9901001", "math.GT/0309136v2", "704.0001", "704.2",
                   "0704.0001 ", "9901001", "foo", "", ..., 12345, 1905.00001, "1501.0001", "1501.00001",
                   "1413.00001", "0703.0001", "http://arxiv.org/abs/math.GT/0309136v2", "hep-th/9913001",
                   "hep-th/0801001", "\uff12\uff11\uff10\uff11.00001", "2101.00001\n"]:
        add(id=raw_id)
    for created in ["2019-05-01", "2019-05-01T23:30:00-05:00", "2019-05-01T23:30:00Z",
                    "Wed, 1 May 2019 23:30:00 -0500", "Wed, 01 May 2019 10:00:00 GMT", "Wed,  1 May 2019 10:00:00 GMT",
                    "1 May 2019 10:00:00 GMT", "Wed, 31 Feb 2019 10:00:00 GMT", "Wed, 0 May 2019 10:00:00 GMT",
                    "garbage", "", None, 5, "Wed, 1 may 2019 10:00:00 GMT", "Wed, 1 May 19 10:00:00 GMT",
                    "Wed, 1 May 0099 10:00:00 GMT", "Wed, 1 May 2019 10:00 GMT", "Wed, 1 May 2019 10:00:00 UT",
                    "Wed, 1 May 2019 25:00:00 GMT", "Wed, 1 May 2019 23:59:60 GMT", "Wed, 1 May 2019 10:00:00 GMT "]:
        add(versions=[{"version": "v1", "created": created}])
    for versions in [[], ..., [{"version": "v1"}], [{"version": "v2", "created": "x"}, {"version": "v1"}],
                     [{"version": "x"}, {"version": 3}, {"version": "v10"}, {"version": ""}, {"version": "vv2"}],
                     [{"version": "v\u00b2"}], [{"version": "v\u0663"}], "notalist", [1, 2], None]:
        add(versions=versions)
    for parsed in [[], [["A", "B", "Jr"], ["", "", ""], ["Last", "First"]], None, [["Ba\u0301zs", "C.", ""]],
                   [[" Sp ", " ace ", ""]], "abc", [[1, 2, 3]], {"x": 1}]:
        add(authors_parsed=parsed)
    for parsed in [[["Gon\\c{c}alves", "Sebasti\\'an", ""], ["Plain", "A.", ""]], [["Bro", "{\\O}.", "Jr\\\"o"]],
                   [["\\o", "", ""], ["S\\o ren", "", ""]], [["$\\alpha$-Kr\\\"o", "B.", ""]], [["Ba\\'\u0301z", "C.", ""]]]:
        add(authors_parsed=parsed)
    add(authors_parsed=None, authors="J. Requi\\~ao, S\\o ren K\\\"o and {\\L}. Three")
    add(authors_parsed=None, authors="A. Gon\\c{c}alves; B. \\v{S}r\\'amek")
    add(authors_parsed=None, authors="A. One, B. Two and C. Three")
    add(authors_parsed=None, authors="A. One; B. Two")
    add(authors_parsed=..., authors=None)
    add(authors_parsed=None, authors=7)
    for text in [None, "", "  \n ", "Caf\u0065\u0301 \n\n  paper\twith\ttabs  ", 123, "  N/A ", "Abstract.",
                 "This paper has been withdrawn by the authors.", "Too short here.", "One two three four five",
                 "One two three four", "a,b,c,d,e", "  One two three four five. \n\n\n  Para two\u00a0with nbsp\u2003em.\r\n end ",
                 "x\u0301 combining and \u212b angstrom sign", ["not", "a", "string"], 1.5, "line\x1cseparated words here ok",
                 "trailing \n  wrapped\n  title", "\u2028 odd \u2029 separators here and there", "a\x85b c d e f",
                 "tab\there and\x0bthere and\x0cmore words",
                 # LaTeX accents (converted) next to math and other markup (kept)
                 "Gr\\\"obner bases of the five", "Koll\\'ar $\\alpha$ and $\\\"a$ with words", "\\\"A",
                 "This paper has been withdrawn by Koll\\'ar.", "\\'Etude de cinq mots ici",
                 "Para one G\\\"o.\n\n  Para two \\'e five words", "  Caf\\'e  with   spaces  and more ",
                 "\\$5 \\\\ \\(\\\"a\\) \\\"a and more", "Gr\\\"o\u0308bner combining mark words ok",
                 "Erd\\H{o}s\n  R\\'enyi wrapped title", "N/A \\'e", "\\alpha only math no accents here",
                 "\tKoll\\'ar one two three four\t", "G\\\"\n  o and \\c\n\nc with spans over lines", "Koll\\'ar.",
                 "\\\"a  b   c d e", "...\\'This paper has been withdrawn", "\\`a one two three four",
                 "\\'\\u00c9tude \\o\\ ren\\\\ \\$ $\\\"a$ one two", "x\\x1f Koll\\'ar one two three four"]:
        add(title=text)
        add(abstract=text)
    for cats in [None, "", "  cs.LG   math.CO ", ["cs.LG"], 0]:
        add(categories=cats)
    add(doi="https://doi.org/10.1000/ABC", **{"journal-ref": "  J. Toy \n 1  "})
    add(doi="10.1/x 10.2/y")
    add(doi=5)
    add(**{"journal-ref": ""})
    add(**{"journal-ref": 42})
    lines += ["", "   ", "\x1c", "\u00a0", "{not json", "[1, 2]", "null", '"string"', "{}", '{"id": "2101.00001"}',
              '{"id": "2101.00001", "versions": null, "authors_parsed": null, "categories": null}',
              '{"id": "2101.00001", "title": "T\\u00e9st \\ud83d\\ude00 emoji \\ud800 lone"}',
              '{"id": "2101.00001", "title": "dup", "title": "dup2"}', '{"id": "2101.00001", "abstract": NaN}',
              '{"id": "2101.00001", "title": 123456789012345678901234567890}',
              '{"id": 123456789012345678901234567890}', '{"id": "2101.00001", "title": 1e400}',
              '{"id": "2101.00001"}\t', '\ufeff{"id": "2101.00001"}',
              # what the fast path's decoder refuses in fields it does not use: the general path decides
              '{"id": "2101.00001", "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}], '
              '"comments": "\\ud800 lone", "report-no": Infinity}',
              '{"id": "2101.00001", "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT", '
              '"size": NaN}], "abstract": "One two three four five six"}']
    return lines


@pytest.fixture()
def edge_lines(cases_dir):
    base = json.loads((cases_dir / "07-kaggle-snapshot-fields.jsonl").read_text().splitlines()[0])
    return _edge_lines(base)


@pytest.fixture()
def edge_file(tmp_path, edge_lines):
    path = tmp_path / "edge.jsonl"
    path.write_text("\n".join(edge_lines) + "\n", encoding="utf-8")
    return path


FILTERS = [{}, {"categories": "cs"}, {"categories": ["cs.", "math", "hep-th"]}, {"categories": "physics"},
           {"date_from": "2007-04-01", "date_to": "2019-06-01"}, {"categories": "cs", "date_from": "2000-01-01"},
           {"date_to": "2007-04-01"}]


def _collect(items):
    """Everything a read yields, and the exception that ended it (some malformed records end a read)."""
    out = []
    try:
        for item in items:
            out.append(item)
    except Exception as exc:  # noqa: BLE001 - compared, not handled
        return out, f"{type(exc).__name__}: {exc}"
    return out, None


def _same(fast, ref):
    (fast, fast_exc), (ref, ref_exc) = _collect(fast), _collect(ref)
    assert [repr(item) for item in fast] == [repr(item) for item in ref]
    assert pickle.dumps(fast) == pickle.dumps(ref)  # also the same attribute order in every Paper
    assert fast_exc == ref_exc
    return fast


@pytest.mark.parametrize("filters", FILTERS)
def test_reader_matches_general_path_on_real_sample_and_case(data_dir, cases_dir, filters):
    for path in (data_dir / "arxiv-kaggle-jsonl" / "arxiv-metadata-oai-snapshot.sample.jsonl",
                 cases_dir / "07-kaggle-snapshot-fields.jsonl"):
        assert _same(arxiv_snapshot.read(path, **filters), ref_read(path, **filters)) or filters


@pytest.mark.parametrize("filters", FILTERS)
def test_reader_matches_general_path_on_edge_cases(tmp_path, edge_lines, filters):
    path = tmp_path / "one.jsonl"
    quiet = []
    for line in edge_lines:  # each alone (some end a read with an exception, as they always did) ...
        path.write_text(line + "\n", encoding="utf-8")
        _same(arxiv_snapshot.read(path, **filters), ref_read(path, **filters))
        if _collect(ref_read(path, **filters))[1] is None:
            quiet.append(line)
    path.write_text("\n".join(quiet) + "\n", encoding="utf-8")  # ... and all the others together
    assert len(quiet) > 100
    _same(arxiv_snapshot.read(path, **filters), ref_read(path, **filters))


def test_line_endings_and_blank_lines_as_text_mode(tmp_path, cases_dir):
    good = (cases_dir / "07-kaggle-snapshot-fields.jsonl").read_text().splitlines()
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(("\r\n".join([good[0], "", "{broken", good[1]]) + "\r\n" + good[2] + "\r" + "{x\r\r\n"
                      + " \x1c \n" + good[0]).encode("utf-8"))
    assert len(_same(arxiv_snapshot.read(path), ref_read(path))) == 6


def test_short_authors_parsed_entry_is_a_name_not_a_crash(tmp_path, cases_dir):
    base = json.loads((cases_dir / "07-kaggle-snapshot-fields.jsonl").read_text().splitlines()[0])
    path = tmp_path / "short.jsonl"
    path.write_text(json.dumps({**base, "authors_parsed": [["Solo"], ["Last", "First", ""]]}) + "\n")
    [paper] = list(arxiv_snapshot.read(path))
    assert paper.authors == ["Solo", "First Last"]


def _strings(data_dir, cases_dir, edge_file):
    values = []
    for path in (data_dir / "arxiv-kaggle-jsonl" / "arxiv-metadata-oai-snapshot.sample.jsonl",
                 cases_dir / "07-kaggle-snapshot-fields.jsonl", edge_file):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict):
                values += [rec.get(key) for key in ("title", "abstract", "journal-ref", "id", "authors")]
                if isinstance(rec.get("authors_parsed"), list):
                    values += [part for parts in rec["authors_parsed"] if isinstance(parts, list) for part in parts]
                if isinstance(rec.get("versions"), list):
                    values += [v.get("created") for v in rec["versions"] if isinstance(v, dict)]
    return values + ["", " ", "\n\n", "a\n \nb", "a \u3000 b", "\u00a0x\u00a0", "x\x1fy", "x\x00y z", float("nan"),
                     "Mon, 2 Apr 2007 19:18:42 GMT", "Sun, 29 Feb 2004 00:00:00 GMT", "Sun, 29 Feb 2005 00:00:00 GMT",
                     "Mon, 2 Apr 2007 19:18:42 +0100", "2007-04-02", "2007-04-02T00:30:00+02:00", 20070402,
                     "0704.0001", "0704.00001", "1501.00001", "2113.00001", "hep-th/9101001", "hep-th/0812001",
                     "hep-th/9001001", "math-ph/0001001", "Hep-th/9901001", "cs.AI/9901001"]


def test_helpers_match_reference(data_dir, cases_dir, edge_file):
    for value in _strings(data_dir, cases_dir, edge_file):
        assert record.normalize_text(value) == ref_normalize_text(value), repr(value)
        assert record.abstract_problem(value) == ref_abstract_problem(value), repr(value)
        assert record.parse_date(value) == ref_parse_date(value), repr(value)
        if isinstance(value, str):
            converted = latex.convert_accents(value)
            assert record.normalize_text(converted) == ref_normalize_text(ref_convert_accents(value)), repr(value)
            assert latex.convert_accents(converted) == converted, repr(value)  # idempotent
        try:
            expected = ref_parse_arxiv_id(value)
        except HomogError:
            expected = None
        if expected is None:
            with pytest.raises(HomogError):
                identity.parse_arxiv_id(value)
        else:
            assert identity.parse_arxiv_id(value) == expected, repr(value)


def test_every_non_space_whitespace_character_is_non_printable():
    """The premise of normalize_text's fast path."""
    assert [c for c in map(chr, range(0x110000)) if c.isspace() and c.isprintable() and c != " "] == []
    assert bytes(c for c in range(128) if chr(c).isspace() and c != 32) == record._ASCII_SPACES


def test_normalize_text_fast_path_on_whitespace_mixtures():
    pieces = ["a", "b", " ", "\n", "\t", "\r", "\x0b", "\x1c", "\u00a0", "\u2028", "\n \n", "é", "e\u0301"]
    import itertools

    for combo in itertools.product(pieces, repeat=4):
        text = "".join(combo)
        assert record.normalize_text(text) == ref_normalize_text(text), repr(text)
