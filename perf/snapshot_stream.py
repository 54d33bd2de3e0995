"""Benchmark: stream a large arXiv-snapshot-format file through homog's reader vs a plain json.loads loop.

Generates the file by resampling the real sample records (fresh, unique ids per
copy), then measures each path in its own subprocess (records/s, peak RSS).

    python perf/snapshot_stream.py --records 300000 [--file /tmp/snapshot.jsonl] [--categories cs] [--repeat 5]
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1].parent / "shared/data/arxiv-kaggle-jsonl/arxiv-metadata-oai-snapshot.sample.jsonl"


def generate(path: Path, records: int, seed: int = 0, unique_dois: bool = False) -> None:
    """Write ``records`` snapshot lines resampled from the real sample, with unique new-scheme ids (and DOIs made
    unique too if ``unique_dois``: then no two records are one paper, as in the real snapshot)."""
    samples = [json.loads(line) for line in SAMPLE.read_text().splitlines() if line.strip()]
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for n in range(records):
            rec = dict(rng.choice(samples))
            yymm = f"{15 + (n // 99999) // 12 % 10:02d}{(n // 99999) % 12 + 1:02d}"
            rec["id"] = f"{yymm}.{n % 99999 + 1:05d}"
            if unique_dois and rec.get("doi"):
                rec["doi"] = f"{rec['doi'].split()[0]}.{n}"
            out.write(json.dumps(rec) + "\n")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(mode: str, path: Path, categories: str | None) -> dict[str, float]:
    if mode == "homog":  # imported before the clock starts, as json is
        from homog.corpus.sources import arxiv_snapshot
    start = time.perf_counter()
    count = 0
    if mode == "baseline":
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                json.loads(line)
                count += 1
    else:
        for _ in arxiv_snapshot.read(path, categories=categories):
            count += 1
    seconds = time.perf_counter() - start
    return {"records": count, "seconds": seconds, "peak_mb": _peak_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=300_000)
    parser.add_argument("--file", type=Path, default=Path("/tmp/homog-snapshot-bench.jsonl"))
    parser.add_argument("--categories", default=None, help="category filter applied while reading (e.g. cs)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="runs of each path, alternating, each in a fresh process; medians are reported")
    parser.add_argument("--mode", choices=["baseline", "homog"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(run_one(args.mode, args.file, args.categories)))
        return
    if not args.file.exists() or sum(1 for _ in open(args.file, "rb")) != args.records:
        generate(args.file, args.records)
    size_mb = args.file.stat().st_size / 2**20
    runs: dict[str, list[dict[str, float]]] = {"baseline": [], "homog": []}
    for _ in range(args.repeat):
        for mode in runs:
            cmd = [sys.executable, __file__, "--mode", mode, "--file", str(args.file)]
            if args.categories:
                cmd += ["--categories", args.categories]
            runs[mode].append(json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout))
    print(f"file: {args.file} ({args.records:,} records, {size_mb:,.0f} MiB); "
          f"{args.repeat} runs of each path, alternating; medians")
    for mode, results in runs.items():
        label = "json.loads loop" if mode == "baseline" else "homog arxiv_snapshot.read (all normalisation)"
        seconds = statistics.median(r["seconds"] for r in results)
        print(f"{label:48s} {args.records / seconds:>10,.0f} lines/s  {results[0]['records']:>10,} records out  "
              f"peak RSS {max(r['peak_mb'] for r in results):,.0f} MiB")
    # speed = input lines handled per second (with a category filter, fewer records come out than go in)
    ratios = [b["seconds"] / h["seconds"] for b, h in zip(runs["baseline"], runs["homog"])]
    ratio = statistics.median(r["seconds"] for r in runs["baseline"]) / statistics.median(
        r["seconds"] for r in runs["homog"])
    print(f"homog speed / baseline speed = {ratio:.2f}  (input lines per second, same file; "
          f"per pair of runs {min(ratios):.2f}-{max(ratios):.2f})")


if __name__ == "__main__":
    main()
