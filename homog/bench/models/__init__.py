"""Model families for the benchmark: one module per family, registered by ``kind``."""
from __future__ import annotations

from homog.bench.models.embedding_probe import EmbeddingProbe
from homog.bench.models.finetune import FinetuneTransformer
from homog.bench.models.tfidf_linear import TfidfLogReg

MODEL_KINDS: dict[str, type] = {
    "tfidf_logreg": TfidfLogReg,
    "embedding_probe": EmbeddingProbe,
    "finetune_transformer": FinetuneTransformer,
}

__all__ = ["MODEL_KINDS", "EmbeddingProbe", "FinetuneTransformer", "TfidfLogReg"]
