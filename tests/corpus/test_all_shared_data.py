"""Every paper-metadata file in the shared data (all but benchmarks/) loads with its record count, no traceback."""
from __future__ import annotations

import json

from homog.corpus.detect import READERS, detect_reader
from homog.corpus.record import Paper
from homog.errors import Problem

COUNTS = {
    "openreview-confs/NIPS13_paper.csv": 360, "openreview-confs/NIPS14_paper.csv": 411,
    "openreview-confs/NIPS15_paper.csv": 403, "openreview-confs/NIPS16_paper.csv": 569,
    "openreview-confs/NIPS17_paper.csv": 679, "openreview-confs/NIPS18_paper.csv": 1009,
    "arxiv-cs-sample/sample.csv": 100, "arxiv-cs-sample/arxiv_cs_october19_sample_20.json": 20,
    "arxiv-kaggle-2007/arxiv_data.csv": 2000, "arxiv-kaggle-jsonl/arxiv-metadata-oai-snapshot.sample.jsonl": 200,
    "arxiv-keras-sample/arxiv_data.csv": 1000,
    "arxiv-oai-pmh/listrecords_arXivRaw_cs_2019-10-01_2019-10-09_page1.xml": 1000,
    "exports-litstudy/tests_scopus.csv": 58, "exports-litstudy/tests_ieee.csv": 10,
    "exports-litstudy/tests_springer.csv": 18, "exports-litstudy/tests_example.ris": 25,
    "exports-litstudy/notebook_ieee_1.csv": 100, "exports-litstudy/notebook_ieee_2.csv": 100,
    "exports-litstudy/notebook_ieee_3.csv": 100, "exports-litstudy/notebook_ieee_4.csv": 100,
    "exports-litstudy/notebook_ieee_5.csv": 41, "exports-litstudy/notebook_springer.csv": 1000,
}


def test_every_shared_paper_file_loads(data_dir):
    atom = data_dir / "arxiv-api-atom"
    expected = dict(COUNTS)
    for entry in json.loads((atom / "recorded_2026" / "index.json").read_text()):
        expected[f"arxiv-api-atom/recorded_2026/{entry['file']}"] = entry["entries"]
    for path in sorted((atom / "legacy_fixtures").glob("*.xml")):
        expected[f"arxiv-api-atom/legacy_fixtures/{path.name}"] = None  # 24 in all, checked below
    files = sorted(str(p.relative_to(data_dir)) for p in data_dir.rglob("*") if p.is_file()
                   and not str(p.relative_to(data_dir)).startswith("benchmarks/")
                   and p.name not in ("SOURCE.md", "index.json"))
    assert files == sorted(expected)  # a new file must be added here with its count
    legacy = 0
    for rel in files:
        path = data_dir / rel
        items = list(READERS[detect_reader(path)](path))
        papers = [i for i in items if isinstance(i, Paper)]
        records = len(papers) + sum(isinstance(i, Problem) and i.severity == "skipped"
                                    for i in items)
        if expected[rel] is None:
            legacy += len(papers)
        else:
            assert records == expected[rel], rel
    assert legacy == 24
