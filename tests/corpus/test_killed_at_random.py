"""A harvest or a load SIGKILLed at random moments (mid-request, mid-transaction, anywhere) and restarted ends with
exactly the store an uninterrupted run gives: nothing lost, nothing counted twice."""
from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from mock_arxiv import ScriptServer

CHILD = Path(__file__).with_name("killable_child.py")
SAMPLE = "arxiv-kaggle-jsonl/arxiv-metadata-oai-snapshot.sample.jsonl"
TABLES = ("papers", "title_keys", "harvest_pages", "harvest_state", "ingested_files", "load_batches")


class SlowScriptServer(ScriptServer):
    """A ScriptServer that takes ``latency`` seconds over each answer, so that kills land inside requests too."""

    def __init__(self, *args, latency: float):
        super().__init__(*args)
        self.latency = latency
        self.httpd.handle_error = lambda request, address: None  # a killed client leaves a broken pipe behind

    def answer(self, path):
        time.sleep(self.latency)
        return super().answer(path)


def _script(data_dir):
    folder = data_dir / "arxiv-api-atom" / "recorded_2026"
    script = {}
    for entry in json.loads((folder / "index.json").read_text()):
        params = dict(parse_qsl(urlsplit(entry["url"]).query))
        if params.get("search_query") == "testing" and params.get("max_results") == "10":
            script[("testing", int(params["start"]))] = [{"status": 200, "body": entry["file"]}]
    return script, folder


def _start(mode: str, store: Path, target: str) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, str(CHILD), mode, str(store), target], stdout=subprocess.PIPE,
                             text=True, cwd=CHILD.parent)
    assert child.stdout.readline().strip() == "ready"
    return child


def _finish(mode: str, store: Path, target: str) -> None:
    child = _start(mode, store, target)
    assert child.wait(timeout=120) == 0 and child.stdout.read().strip() == "done"
    child.stdout.close()


def _contents(store: Path) -> dict[str, list[tuple]]:
    """Every row of the corpus tables, sorted, with the load time (a clock reading) left out."""
    with sqlite3.connect(store) as conn:
        rows = {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall()) for table in TABLES}
    rows["ingested_files"] = [row[:-1] for row in rows["ingested_files"]]
    return rows


def _kill_and_resume(tmp_path: Path, mode: str, target: str, window: float, seeds: range) -> list[int]:
    """For each seed: kill the run 1-3 times at random moments within ``window`` seconds of its start, then let it
    finish; its store must equal the uninterrupted one.  Returns, per kill, the papers stored when it landed."""
    reference = tmp_path / "reference.sqlite"
    _finish(mode, reference, target)
    expected = _contents(reference)
    landed = []
    for seed in seeds:
        rng = random.Random(seed)
        store = tmp_path / f"killed-{seed}.sqlite"
        for _ in range(rng.randint(1, 3)):
            child = _start(mode, store, target)
            time.sleep(rng.uniform(0, window))
            child.kill()
            child.wait()
            child.stdout.close()
            with sqlite3.connect(store) as conn:
                landed.append(conn.execute("SELECT COUNT(*) FROM papers").fetchone()[0])
        _finish(mode, store, target)
        assert _contents(store) == expected, f"seed {seed}"
    return landed


def test_harvest_killed_at_random_moments_resumes_to_the_uninterrupted_store(tmp_path, data_dir):
    script, folder = _script(data_dir)
    with SlowScriptServer(script, folder, latency=0.05) as server:
        landed = _kill_and_resume(tmp_path, "harvest", server.url, window=0.6, seeds=range(6))
    assert any(0 < n < 60 for n in landed), landed  # some kills landed mid-harvest


def test_load_killed_at_random_moments_resumes_to_the_uninterrupted_store(tmp_path, data_dir):
    """3,000 snapshot records (the real sample's, under fresh ids), stored 7 at a time."""
    records = [json.loads(line) for line in (data_dir / SAMPLE).read_text(encoding="utf-8").splitlines()]
    path = tmp_path / "snapshot.jsonl"
    path.write_text("".join(json.dumps({**records[n % len(records)], "id": f"1501.{n + 1:05d}"}) + "\n"
                            for n in range(3000)), encoding="utf-8")
    landed = _kill_and_resume(tmp_path, "load", str(path), window=0.6, seeds=range(6))
    assert any(0 < n < 3000 for n in landed), landed
