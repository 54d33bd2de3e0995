"""Benchmark: homog's method clusters vs BERTopic's default pipeline against arXiv categories.

Run: ``python perf/bertopic_compare.py [--store /tmp/bertopic_compare.sqlite]``.  For each labelled
data set (``../shared/data/arxiv-keras-sample``: first listed term; ``../shared/data/arxiv-oai-pmh``:
primary category) the abstracts are embedded ONCE with the offline all-MiniLM-L6-v2 (cached in the
store) and both pipelines cluster the same vectors:

* homog: ``MethodClusterer`` defaults (k-means, k by cosine silhouette over 2..20, seed 0);
* BERTopic defaults (UMAP 15 neighbours / 5 components / cosine, HDBSCAN min_cluster_size 10,
  c-TF-IDF), with only UMAP's ``random_state`` fixed for reproducibility.

Printed: NMI and adjusted Rand index against the categories (all papers; BERTopic's outliers -1
count as one extra label, and separately with outliers left out) and the clustering time of each
(embedding time, shared, is printed once).
"""
from __future__ import annotations

import argparse
import ast
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("HOMOG_SHARED", ROOT.parent / "shared")) / "data"


def keras_sample() -> tuple[list[str], list[str]]:
    """Abstracts and first arXiv term of the Keras-format sample (duplicate titles dropped)."""
    frame = pd.read_csv(DATA / "arxiv-keras-sample" / "arxiv_data.csv").drop_duplicates("titles")
    labels = [ast.literal_eval(t)[0] for t in frame["terms"]]
    return [" ".join(s.split()) for s in frame["summaries"]], labels


def oai_sample() -> tuple[list[str], list[str]]:
    """Abstracts and primary category of the arXiv OAI-PMH page, read with homog's reader."""
    from homog.corpus.record import Paper
    from homog.corpus.sources.oai_pmh import read

    path = next((DATA / "arxiv-oai-pmh").glob("*.xml"))
    papers = [p for p in read(path) if isinstance(p, Paper) and not p.abstract_missing and p.primary_category]
    return [p.abstract for p in papers], [p.primary_category for p in papers]


def main() -> None:
    from bertopic import BERTopic
    from umap import UMAP

    from homog.cluster import MethodClusterer
    from homog.diversity.validity import partition_agreement
    from homog.embed import Embedder
    from homog.store import Store

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default="/tmp/bertopic_compare.sqlite")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows = []
    from sentence_transformers import SentenceTransformer

    from homog.embed import resolve_model

    st_model = SentenceTransformer(resolve_model("all-MiniLM-L6-v2")[0], device="cpu")  # BERTopic keeps a model
    with Store(args.store) as store:
        embedder = Embedder(store=store)
        for name, load in (("arxiv-keras-sample", keras_sample), ("arxiv-oai-pmh", oai_sample)):
            texts, truth = load()
            start = time.perf_counter()
            X = embedder.fit_transform(texts)
            t_embed = time.perf_counter() - start

            start = time.perf_counter()
            ours = MethodClusterer(seed=args.seed).fit(X, texts)
            t_ours = time.perf_counter() - start

            start = time.perf_counter()
            model = BERTopic(embedding_model=st_model,
                             umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
                                             random_state=args.seed))
            topics, _ = model.fit_transform(texts, embeddings=np.asarray(X))
            t_bt = time.perf_counter() - start
            topics = np.asarray(topics)
            with_outliers = np.where(topics < 0, topics.max() + 1, topics)
            ours_all = partition_agreement(ours.labels_, truth)
            bt_all = partition_agreement(with_outliers, truth)
            bt_clean = partition_agreement(topics, truth)
            n_classes = len(set(truth))
            rows.append({"data": name, "papers": len(texts), "categories": n_classes, "embed_s": round(t_embed, 1),
                         "pipeline": "homog (k-means, silhouette k)", "clusters": ours.k_,
                         "outliers": 0, "nmi": ours_all["nmi"], "ari": ours_all["ari"], "cluster_s": round(t_ours, 1)})
            rows.append({"data": name, "papers": len(texts), "categories": n_classes, "embed_s": round(t_embed, 1),
                         "pipeline": "BERTopic default", "clusters": int(topics.max() + 1),
                         "outliers": int(np.sum(topics < 0)), "nmi": bt_all["nmi"], "ari": bt_all["ari"],
                         "cluster_s": round(t_bt, 1)})
            rows.append({"data": name, "papers": bt_clean["n"], "categories": n_classes, "embed_s": round(t_embed, 1),
                         "pipeline": "BERTopic default, outliers left out", "clusters": int(topics.max() + 1),
                         "outliers": 0, "nmi": bt_clean["nmi"], "ari": bt_clean["ari"], "cluster_s": round(t_bt, 1)})
    table = pd.DataFrame(rows)
    print(table.to_markdown(index=False, floatfmt=".3f"))


if __name__ == "__main__":
    main()
