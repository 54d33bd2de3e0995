"""Model families for the benchmark: one module per family, registered by ``kind``."""
from __future__ import annotations

from homog.bench.models.bow_linear import CharNgramLogReg, CountNaiveBayes, TfidfLinearSVM, TfidfLogReg
from homog.bench.models.cnn import KimCNN
from homog.bench.models.embedding_probe import EmbeddingProbe
from homog.bench.models.finetune import FinetuneTransformer

MODEL_KINDS: dict[str, type] = {
    "tfidf_logreg": TfidfLogReg,
    "tfidf_linear_svm": TfidfLinearSVM,
    "count_naive_bayes": CountNaiveBayes,
    "char_ngram_logreg": CharNgramLogReg,
    "kim_cnn": KimCNN,
    "embedding_probe": EmbeddingProbe,
    "finetune_transformer": FinetuneTransformer,
}

__all__ = ["MODEL_KINDS", "CharNgramLogReg", "CountNaiveBayes", "EmbeddingProbe", "FinetuneTransformer", "KimCNN",
           "TfidfLinearSVM", "TfidfLogReg"]
