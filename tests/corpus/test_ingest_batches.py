"""Files load in batches: bounded memory, the same corpus as one batch, and a killed load resumes to it."""
from __future__ import annotations

import json

import pytest

from homog.corpus import ingest
from homog.corpus.ingest import ingest_files, load_key
from homog.store import Store
from mock_arxiv import Killed

SAMPLE = "arxiv-kaggle-jsonl/arxiv-metadata-oai-snapshot.sample.jsonl"


@pytest.fixture()
def snapshot_with_repeats(tmp_path, data_dir):
    """The real 200-record sample, then records of the same papers again: a later version under the same id; one
    with its DOI (in upper case) and one with its title, each under another arXiv id (other papers: two arXiv ids
    never merge); and a malformed line among them."""
    lines = (data_dir / SAMPLE).read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    with_doi = next(r for r in records[100:] if r.get("doi"))
    without_doi = next(r for r in records[140:] if not r.get("doi"))
    again = [
        {**records[3], "versions": records[3]["versions"] + [{"version": "v9", "created": "Mon, 1 Jan 2018 00:00:00 GMT"}],
         "abstract": records[3]["abstract"] + " Revised."},
        {**with_doi, "id": "1801.00001", "doi": with_doi["doi"].upper()},
        {**without_doi, "id": "0704.9999"},
    ]
    path = tmp_path / "snapshot.jsonl"
    path.write_text("\n".join(lines[:120] + ["{broken"] + lines[120:] + [json.dumps(r) for r in again]) + "\n",
                    encoding="utf-8")
    return path


def _corpus(store: Store) -> list[dict]:
    return [paper.to_dict() for paper in store.get_papers()]


def test_batches_give_the_corpus_of_one_batch(tmp_path, snapshot_with_repeats):
    with Store(tmp_path / "one.sqlite") as one, Store(tmp_path / "many.sqlite") as many:
        whole = ingest_files([snapshot_with_repeats], one, batch_size=10**6)
        batched = ingest_files([snapshot_with_repeats], many, batch_size=7)
        assert _corpus(many) == _corpus(one)
        assert batched.ids == whole.ids and len(whole.ids) == 202
        assert batched.merges == whole.merges  # cross-batch repeats are logged as repeats within the file
        assert [m["reason"] for m in whole.merges] == ["same id"]
        assert batched.files[0] == whole.files[0]
        assert (whole.files[0].records_read, whole.files[0].loaded, whole.files[0].merged,
                whole.files[0].skipped) == (204, 202, 1, 1)
        assert [str(p) for p in batched.problems] == [str(p) for p in whole.problems]
        assert "line 121" in str(whole.problems[0])
        assert many.get_load_batches(load_key(whole.files[0].sha256, {})) == []  # checkpoints gone when done


def test_doi_and_title_merges_across_batches(tmp_path):
    """Records of one paper under its DOI (any case) or its title and year, in different batches, become one."""
    records = [{"doi": f"10.1/p{n}", "title": f"Toy paper {n}", "year": 2020, "abstract": f"Toy abstract {n} a b c"}
               for n in range(20)]
    records += [{"doi": "10.1/P3", "title": "Toy paper 3", "year": 2020, "abstract": "Revised toy abstract 3 a b"},
                {"title": "toy paper 7!", "year": 2020, "abstract": "Toy abstract seven once more a b"}]
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    with Store(tmp_path / "one.sqlite") as one, Store(tmp_path / "many.sqlite") as many:
        whole = ingest_files([path], one, batch_size=10**6)
        batched = ingest_files([path], many, batch_size=3)
        assert _corpus(many) == _corpus(one) and len(whole.ids) == 20
        expected = [("doi:10.1/p3", "same DOI"), ("doi:10.1/p7", "same title and year")]
        assert [(m["kept_id"], m["reason"]) for m in whole.merges] == expected
        assert [(m["kept_id"], m["reason"]) for m in batched.merges] == expected


@pytest.mark.parametrize("kill_after", [1, 50, 118, 203])
def test_killed_load_resumes_to_the_same_store(tmp_path, snapshot_with_repeats, monkeypatch, kill_after):
    with Store(tmp_path / "full.sqlite") as full:
        expected = ingest_files([snapshot_with_repeats], full, batch_size=7)
        corpus = _corpus(full)
    real = ingest.READERS["arxiv_snapshot"]

    def dies(path, **options):
        for count, item in enumerate(real(path, **options)):
            if count == kill_after:
                raise Killed
            yield item

    with Store(tmp_path / "killed.sqlite") as killed:
        monkeypatch.setitem(ingest.READERS, "arxiv_snapshot", dies)
        with pytest.raises(Killed):
            ingest_files([snapshot_with_repeats], killed, batch_size=7)
        stored = killed.get_load_batches(load_key(expected.files[0].sha256, {}))
        assert sum(items for items, _ in stored) == kill_after // 7 * 7  # every finished batch kept
        monkeypatch.setitem(ingest.READERS, "arxiv_snapshot", real)
        resumed = ingest_files([snapshot_with_repeats], killed, batch_size=7)
        assert _corpus(killed) == corpus  # nothing lost, nothing counted twice
        assert (resumed.ids, resumed.merges, resumed.files) == (expected.ids, expected.merges, expected.files)


def test_the_same_file_with_other_filters_is_another_load(tmp_path, data_dir):
    sample = data_dir / SAMPLE
    with Store(tmp_path / "s.sqlite") as store:
        reports = {}
        for name, categories in (("cs", '["cs"]'), ("math", '["math"]'), ("cs-again", '["cs"]')):
            spec = tmp_path / f"{name}.toml"
            spec.write_text(f'name = "{name}"\n[[source]]\nkind = "file"\npath = "{sample}"\n'
                            f'categories = {categories}\n')
            reports[name] = ingest_files([spec], store)
        records = [json.loads(line) for line in sample.read_text(encoding="utf-8").splitlines()]
        # SOURCE.md's "36 records have a cs.* category" counts "cs." inside "physics.*" too; 8 records are cs
        assert len(reports["cs"].ids) == sum(any(c.startswith("cs.") for c in r["categories"].split())
                                             for r in records) == 8
        assert not reports["cs"].files[0].reused
        assert set(reports["math"].ids) != set(reports["cs"].ids) and not reports["math"].files[0].reused
        assert reports["cs-again"].ids == reports["cs"].ids and reports["cs-again"].files[0].reused
