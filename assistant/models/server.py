"""Start an OpenAI-compatible LLM server on the local GGUF, for many users (`python -m assistant serve-llm`).

    proc = start_server(settings, port=8080, parallel=4)   # llama.cpp's `llama-server`, 4 parallel slots
    wait_ready("http://127.0.0.1:8080/v1", timeout_s=120)
    # then: SHOP_LLM_BACKEND=openai SHOP_LLM_BASE_URL=http://127.0.0.1:8080/v1 python app.py
    stop_server(proc)

Two engines: `llama-server` (llama.cpp's own C++ server: `--parallel` slots decoded together in one batch,
a prompt cache per slot, JSON-schema constrained output; built from the llama-cpp-python sdist by
`make llama-server`) and `python` (llama-cpp-python's server extra: one request at a time). The default is
`llama-server` - see the README for the measurement. `llama_server_bin` (Settings) or PATH finds the
binary; a missing one is an LLMUnavailable naming the make target.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from assistant.config import Settings
from assistant.errors import LLMUnavailable
from assistant.models.gguf import assemble_gguf

log = logging.getLogger(__name__)
ENGINES = ("llama-server", "python")


def find_llama_server(settings: Settings) -> Path:
    """The llama-server binary: Settings.llama_server_bin, next to this Python, or on PATH."""
    candidates = [settings.llama_server_bin, Path(sys.executable).parent / "llama-server", shutil.which("llama-server")]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    raise LLMUnavailable("llama-server not found: run `make llama-server` (builds it into .venv/bin from the "
                         "llama-cpp-python sdist, ~6 min), set SHOP_LLAMA_SERVER_BIN, or use --engine python")


def server_command(settings: Settings, port: int, parallel: int, host: str = "127.0.0.1",
                   engine: str = "llama-server") -> list[str]:
    """The command line that serves the GGUF on host:port with `parallel` slots of `llm_context` tokens each."""
    gguf = str(assemble_gguf(settings.cache_dir))
    threads = str(settings.llm_threads or os.cpu_count() or 1)
    if engine == "llama-server":
        return [str(find_llama_server(settings)), "--model", gguf, "--host", host, "--port", str(port),
                "--alias", settings.llm_model, "--parallel", str(parallel),
                "--ctx-size", str(settings.llm_context * parallel), "--threads", str(threads),
                "--threads-batch", str(threads), "--cache-ram", str(settings.llm_prompt_cache_mb), "--no-webui",
                "--cache-type-k", settings.llm_kv_type, "--cache-type-v", settings.llm_kv_type,
                "--flash-attn", "on" if settings.llm_flash_attn else "off",
                "--load-mode", "mmap" if settings.llm_mmap else "none"]      # the in-process memory settings
    if engine == "python":
        return [sys.executable, "-m", "llama_cpp.server", "--model", gguf, "--host", host, "--port", str(port),
                "--model_alias", settings.llm_model, "--n_ctx", str(settings.llm_context),
                "--n_threads", threads, "--n_threads_batch", threads, "--interrupt_requests", "False"]
    raise ValueError(f"unknown LLM server engine {engine!r}; choose one of {ENGINES}")


def start_server(settings: Settings, port: int, parallel: int = 4, host: str = "127.0.0.1",
                 engine: str = "llama-server", log_file: Path | None = None) -> subprocess.Popen:
    cmd = server_command(settings, port, parallel, host, engine)
    log.info("starting %s", " ".join(cmd))
    out = open(log_file, "ab") if log_file else subprocess.DEVNULL
    return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)


def wait_ready(base_url: str, timeout_s: float = 120.0, proc: subprocess.Popen | None = None) -> float:
    """Seconds until GET {base_url}/models answers; LLMUnavailable if the server exits or never answers."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if proc is not None and proc.poll() is not None:
            raise LLMUnavailable(f"LLM server exited with code {proc.returncode} while starting")
        try:
            with urllib.request.urlopen(base_url.rstrip("/") + "/models", timeout=2) as r:
                if r.status == 200 and json.load(r).get("data"):
                    return time.monotonic() - start
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(0.25)
    raise LLMUnavailable(f"LLM server at {base_url} not ready after {timeout_s:.0f} s")


def stop_server(proc: subprocess.Popen, timeout_s: float = 10.0) -> None:
    proc.terminate()
    try:
        proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
