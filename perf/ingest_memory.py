"""Benchmark: peak memory of `homog ingest` on a large snapshot-format file vs holding its papers in memory.

The baseline is what loading without batches needs: every paper of the file in one Python list.  homog's
ingest streams the file and stores it in batches (each with a checkpoint), so its peak should stay flat as the
file grows.  Each path runs in its own process; the file is generated from the real sample (unique ids and
DOIs, so no two records are one paper, as in the real snapshot).

    python perf/ingest_memory.py --records 1000000 [--file /tmp/ingest-bench.jsonl]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from snapshot_stream import generate


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(mode: str, path: Path) -> dict[str, float]:
    from homog.corpus.ingest import ingest_files
    from homog.corpus.sources import arxiv_snapshot
    from homog.store import Store

    start = time.perf_counter()
    if mode == "baseline":
        papers = list(arxiv_snapshot.read(path))
        count = len(papers)
    else:
        with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "bench.sqlite") as store:
            count = len(ingest_files([path], store).ids)
    return {"papers": count, "seconds": time.perf_counter() - start, "peak_mb": _peak_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--file", type=Path, default=Path("/tmp/homog-ingest-bench.jsonl"))
    parser.add_argument("--mode", choices=["baseline", "homog"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(run_one(args.mode, args.file)))
        return
    if not args.file.exists() or sum(1 for _ in open(args.file, "rb")) != args.records:
        generate(args.file, args.records, unique_dois=True)
    results = {}
    for mode in ("baseline", "homog"):
        cmd = [sys.executable, __file__, "--mode", mode, "--file", str(args.file)]
        results[mode] = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    print(f"file: {args.file} ({args.records:,} records, {args.file.stat().st_size / 2**20:,.0f} MiB)")
    labels = {"baseline": "all papers in one list (arxiv_snapshot.read)", "homog": "homog ingest (batched, stored)"}
    for mode, r in results.items():
        print(f"{labels[mode]:46s} {r['papers']:>10,} papers  {r['seconds']:>8,.1f} s  peak RSS {r['peak_mb']:>8,.0f} MiB")
    print(f"homog peak RSS / baseline peak RSS = {results['homog']['peak_mb'] / results['baseline']['peak_mb']:.2f}")


if __name__ == "__main__":
    main()
