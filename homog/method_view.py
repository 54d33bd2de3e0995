"""What a paper DOES: the method-describing sentences of an abstract, as a second clustering view."""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")
# Phrases that announce what the authors do, and named techniques/architectures.
METHOD_CUES = (
    r"\bwe (propose|present|introduce|develop|design|derive|use|apply|employ|train|formulate|model|adopt|extend|"
    r"leverage|combine|learn|construct|show how|prove)\b",
    r"\b(our|this|the proposed|a novel|a new) (method|approach|algorithm|model|framework|architecture|technique|"
    r"estimator|procedure|scheme|system)\b",
    r"\b(based on|by using|using|via|through|by means of|relies on|we rely on)\b",
    r"\b(neural network|deep|convolutional|recurrent|lstm|transformer|attention|autoencoder|gan|adversarial|"
    r"variational|bayesian|gaussian process|kernel|svm|random forest|boosting|reinforcement learning|q-learning|"
    r"policy gradient|markov|monte carlo|mcmc|sampling|gradient descent|sgd|stochastic|convex|optimization|"
    r"regularization|sparse|low-rank|matrix factorization|spectral|graph|embedding|clustering|em algorithm|"
    r"inference|bandit|regression|tensor|quantization|distillation|pruning|simulation|survey|proof|theorem|"
    r"bound)\b",
)
_CUE = re.compile("|".join(f"(?:{c})" for c in METHOD_CUES), flags=re.IGNORECASE)


def split_sentences(text: str) -> list[str]:
    """Sentences of an abstract (split after . ! ? followed by a capital or digit)."""
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def method_sentences(text: str) -> tuple[str, bool]:
    """The method-describing sentences of ``text`` joined, and whether any cue matched.

    A sentence is kept when it contains one of :data:`METHOD_CUES` (first-person
    method statements, "based on / using / via", or a named technique or
    architecture).  When none matches, the whole abstract is returned and
    the flag is False (the paper then counts with its full text).
    """
    kept = [s for s in split_sentences(text) if _CUE.search(s)]
    if not kept:
        return text, False
    return " ".join(kept), True


def method_texts(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Method text for every abstract, and a boolean array of which had method cues."""
    pairs = [method_sentences(t) for t in texts]
    return [p[0] for p in pairs], np.array([p[1] for p in pairs], dtype=bool)
