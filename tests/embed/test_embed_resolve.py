"""Model, device and precision resolution (no model loading)."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import torch

from homog.embed import (
    DEFAULT_MODEL,
    canonical_model_name,
    cpu_has_native_bf16,
    folder_revision,
    resolve_device,
    resolve_model,
    resolve_precision,
)
from homog.errors import HomogError


@pytest.mark.parametrize("name", ["all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2",
                                  "SENTENCE-TRANSFORMERS/all-minilm-l6-v2"])
def test_minilm_resolves_to_offline_copy(name, model_path):
    path, revision = resolve_model(name)
    assert Path(path) == model_path
    assert canonical_model_name(name) == DEFAULT_MODEL
    # The package's folder has no hub commit in its files: revision is the weights hash,
    # recomputed here by hand over the one weight file.
    digest = hashlib.sha256(b"model.safetensors\0" + (model_path / "model.safetensors").read_bytes())
    assert revision == "sha256:" + digest.hexdigest()[:12]


def test_local_folder_and_hub_snapshot(tmp_path):
    plain = tmp_path / "my-model"
    plain.mkdir()
    (plain / "model.safetensors").write_bytes(b"weights")
    path, revision = resolve_model(str(plain))
    assert path == str(plain.resolve())
    assert revision == "sha256:" + hashlib.sha256(b"model.safetensors\0weights").hexdigest()[:12]

    commit = "0123456789abcdef0123456789abcdef01234567"
    snap = tmp_path / "models--x--y" / "snapshots" / commit
    snap.mkdir(parents=True)
    (snap / "model.safetensors").write_bytes(b"weights")
    assert resolve_model(str(snap)) == (str(snap.resolve()), commit)


def test_folder_without_weights_is_an_error(tmp_path):
    with pytest.raises(HomogError, match="no model weight files") as info:
        folder_revision(tmp_path)
    assert info.value.file == str(tmp_path.resolve())


def test_unknown_hub_name_has_no_revision_offline():
    assert resolve_model("nobody-has/this-model-xyz") == ("nobody-has/this-model-xyz", None)


def test_devices():
    assert resolve_device("cpu") == "cpu"
    expected = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    assert resolve_device("auto") == expected
    with pytest.raises(HomogError, match="unknown device"):
        resolve_device("banana")
    if not torch.cuda.is_available():
        with pytest.raises(HomogError, match="no CUDA GPU"):
            resolve_device("cuda:1")


def _cpuinfo_flags() -> set[str]:
    text = Path("/proc/cpuinfo").read_text()
    return set(" ".join(re.findall(r"^flags\s*:(.*)$", text, re.M)).split())


def test_native_bf16_detection_matches_cpuinfo():
    if not Path("/proc/cpuinfo").exists() or not _cpuinfo_flags():
        pytest.skip("no x86 /proc/cpuinfo flags here")
    flags = _cpuinfo_flags()
    assert cpu_has_native_bf16() == bool(flags & {"avx512_bf16", "amx_bf16"})


def test_precision_auto(monkeypatch):
    import homog.embed as embed

    assert resolve_precision("auto", "cuda") == "fp16"
    assert resolve_precision("auto", "cuda:1") == "fp16"
    assert resolve_precision("auto", "mps") == "fp32"
    monkeypatch.setattr(embed, "cpu_has_native_bf16", lambda: True)
    assert resolve_precision("auto", "cpu") == "bf16"
    monkeypatch.setattr(embed, "cpu_has_native_bf16", lambda: False)
    assert resolve_precision("auto", "cpu") == "fp32"
    assert resolve_precision("bf16", "cpu") == "bf16"
    with pytest.raises(HomogError, match="unknown precision"):
        resolve_precision("int4", "cpu")


def test_this_avx2_machine_picks_fp32():
    if cpu_has_native_bf16():
        pytest.skip("this CPU has native bf16")
    assert resolve_precision("auto", "cpu") == "fp32"


def test_unloadable_hub_model_is_a_homog_error(monkeypatch):
    from homog.embed import Embedder

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(HomogError, match="cannot load embedding model") as info:
        Embedder(model="nobody-has/this-model-xyz", device="cpu").fit()
    assert info.value.record == "nobody-has/this-model-xyz"
