"""Embedding throughput: homog's Embedder against a bare SentenceTransformer.encode, same process.

    python perf/embed_throughput.py --n 256 --batch-size 64

Prints texts/s for each, the ratio homog/baseline, and how far the two
outputs are apart (max absolute difference, min cosine).  No store is used,
so homog pays for token counting and length batching but not for SQLite.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "openreview-confs"


def load_abstracts(folder: Path, n: int) -> list[str]:
    """The first ``n`` non-empty abstracts of the NeurIPS CSVs in ``folder`` (files in name order)."""
    frames = [pd.read_csv(path, usecols=["Abstract"]) for path in sorted(folder.glob("NIPS*_paper.csv"))]
    if not frames:
        raise SystemExit(f"no NIPS*_paper.csv files in {folder}")
    abstracts = pd.concat(frames)["Abstract"].dropna().astype(str).str.strip()
    texts = [t for t in abstracts if t][:n]
    if len(texts) < n:
        raise SystemExit(f"only {len(texts)} abstracts in {folder}, asked for {n}")
    return texts


def timed(fn, texts: list[str]) -> tuple[np.ndarray, float, float]:
    """Output, wall seconds and CPU seconds of this process (steadier on a shared machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(texts)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=512, help="number of abstracts (default 512)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with NIPS*_paper.csv")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--repeats", type=int, default=1, help="interleaved rounds; the best round counts")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import torch
    from sentence_transformers import SentenceTransformer

    from homog.embed import Embedder, resolve_model

    texts = load_abstracts(args.data, args.n)
    embedder = Embedder(device=args.device, batch_size=args.batch_size).fit()
    path, _ = resolve_model(embedder.model)
    baseline = SentenceTransformer(path, device=embedder.device_)
    print(f"{len(texts)} abstracts, batch size {args.batch_size}, device {embedder.device_}, "
          f"precision {embedder.precision_}, torch threads {torch.get_num_threads()}")

    def run_baseline(batch: list[str]) -> np.ndarray:
        return baseline.encode(batch, batch_size=args.batch_size, normalize_embeddings=True, show_progress_bar=False)

    warm = texts[:min(16, len(texts))]
    run_baseline(warm)
    embedder.transform(warm)

    base_runs, homog_runs = [], []
    for _ in range(args.repeats):  # interleaved, so load changes on the machine hit both alike
        base_runs.append(timed(run_baseline, texts))
        homog_runs.append(timed(embedder.transform, texts))
    base_vecs, base_s, base_cpu = min(base_runs, key=lambda run: run[1])
    homog_vecs, homog_s, homog_cpu = min(homog_runs, key=lambda run: run[1])
    base_rate, homog_rate = len(texts) / base_s, len(texts) / homog_s
    cosines = (base_vecs * homog_vecs).sum(axis=1)
    print(f"baseline SentenceTransformer.encode: {base_rate:8.1f} texts/s ({base_s:.1f} s wall, {base_cpu:.1f} s CPU)")
    print(f"homog Embedder.transform:           {homog_rate:8.1f} texts/s ({homog_s:.1f} s wall, {homog_cpu:.1f} s CPU)")
    print(f"ratio homog/baseline: {homog_rate / base_rate:.2f} (wall), {base_cpu / homog_cpu:.2f} (CPU time)")
    print(f"max abs diff: {np.abs(base_vecs - homog_vecs).max():.2e}; min cosine: {cosines.min():.6f}; "
          f"truncated: {int(embedder.truncated_.sum())} of {len(texts)}")


if __name__ == "__main__":
    main()
