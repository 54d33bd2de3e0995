"""Benchmark: exact Vendi score of 1,000,000 x 384 unit vectors, and speed against the vendi-score package.

Run: ``python perf/vendi_speed.py``.  Prints the time for homog's Vendi on a
million random unit vectors (float32, as embeddings are stored), then, at
n = 5,000, homog's time and value beside ``vendi_score.vendi.score_X`` (which
builds and eigen-decomposes the n x n kernel) and their speed ratio.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from homog.diversity.metrics import vendi_score


def _unit(n: int, d: int, seed: int) -> np.ndarray:
    X = np.random.default_rng(seed).standard_normal((n, d), dtype=np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-large", type=int, default=1_000_000)
    parser.add_argument("--n-compare", type=int, default=5_000)
    parser.add_argument("--dim", type=int, default=384)
    args = parser.parse_args()

    X = _unit(args.n_large, args.dim, 0)
    start = time.perf_counter()
    value = vendi_score(X)
    seconds = time.perf_counter() - start
    print(f"homog vendi_score, n={args.n_large:,} d={args.dim}: {value:.6f} in {seconds:.2f} s")

    from vendi_score import vendi

    Y = _unit(args.n_compare, args.dim, 1).astype(np.float64)
    start = time.perf_counter()
    ours = vendi_score(Y)
    t_ours = time.perf_counter() - start
    start = time.perf_counter()
    theirs = float(vendi.score_X(Y, q=1))
    t_theirs = time.perf_counter() - start
    print(f"n={args.n_compare:,}: homog {ours:.9f} in {t_ours:.4f} s; vendi-score score_X {theirs:.9f} in "
          f"{t_theirs:.2f} s; |difference| {abs(ours - theirs):.2e}; speed-up {t_theirs / t_ours:.0f}x")


if __name__ == "__main__":
    main()
