"""A non-editable install works: build the wheel, install it outside the repo, answer from it.

Proves the resources (prompts, utterances, eval sets, demo KB) ship as package data.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from assistant.config import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out)], check=True, cwd=out)
    (path,) = out.glob("shop_assistant-*.whl")
    return path


def test_wheel_holds_the_resources(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("assistant/resources/prompts/shopper.md", "assistant/resources/prompts/route.md",
                   "assistant/resources/utterances.csv", "assistant/resources/router_eval.csv",
                   "assistant/resources/staff_questions.csv", "assistant/resources/demo_kb/returns.md"):
        assert needed in names, needed


def test_installed_wheel_answers_outside_the_repo(wheel, small_index, small_settings, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, cwd=tmp_path)
    env = {**os.environ, "PYTHONPATH": str(target), "SHOP_DATA_DIR": str(small_settings.data_dir),
           "SHOP_INDEX_DIR": str(small_settings.index_dir), "SHOP_STATE_DB": str(tmp_path / "state.db"),
           "HF_HUB_OFFLINE": "1"}
    where = subprocess.run([sys.executable, "-c", "import assistant; print(assistant.__file__)"],
                           env=env, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(target)), where                     # the installed copy, not the checkout
    run = subprocess.run([sys.executable, "-m", "assistant", "ask", "--no-llm", "--json",
                          "what is your return policy?"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    reply = json.loads(run.stdout)
    assert reply["intent"] == "policy" and reply["citations"][0].startswith("returns.md")
    assert "30 days" in reply["text"]
