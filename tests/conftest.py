"""Shared fixtures: a small real shop (the first days of Online Retail) built once per test session."""
from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("SHOP_TUNE_BUDGET_S", "0")     # builds in tests fit CF defaults; test_rec_tuning tunes

from assistant.config import ROOT, Settings  # noqa: E402

RAW = ROOT / "data" / "online-retail" / "online_retail.csv.gz"


@pytest.fixture(scope="session")
def raw_sample(tmp_path_factory) -> Path:
    """The first 6,000 lines of the real Online Retail file (about a week of December 2010)."""
    out = tmp_path_factory.mktemp("raw") / "online_retail_sample.csv.gz"
    with gzip.open(RAW, "rt", encoding="utf-8") as src, gzip.open(out, "wt", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i > 6_000:
                break
            dst.write(line)
    return out


@pytest.fixture(scope="session")
def small_shop(raw_sample, tmp_path_factory) -> Path:
    from assistant.data.online_retail import import_online_retail
    from assistant.data.shop import save_shop
    folder = tmp_path_factory.mktemp("shops") / "small-shop"
    save_shop(import_online_retail(raw_sample), folder)
    return folder


@pytest.fixture(scope="session")
def small_settings(small_shop, tmp_path_factory) -> Settings:
    base = tmp_path_factory.mktemp("state")
    return Settings.load(data_dir=small_shop, index_dir=base / "indexes", state_db=base / "assistant.db")


@pytest.fixture(scope="session")
def small_index(small_settings):
    """The small shop built once; tests must not modify it."""
    from assistant.artifacts import ShopIndex
    from assistant.build import build_indexes
    build_indexes(small_settings, progress=False)
    return ShopIndex.open(small_settings)


@pytest.fixture(scope="session")
def minilm():
    from assistant.models.registry import create
    return create("embedder", "minilm")


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory) -> Settings:
    """The full Online Retail demo shop, imported and built into a temp folder (about a minute)."""
    from assistant.build import build_indexes
    from assistant.data.online_retail import import_online_retail
    from assistant.data.shop import save_shop
    base = tmp_path_factory.mktemp("demo")
    save_shop(import_online_retail(RAW), base / "shop")
    settings = Settings.load(data_dir=base / "shop", index_dir=base / "indexes", state_db=base / "assistant.db")
    build_indexes(settings, progress=False)
    return settings


@pytest.fixture(scope="session")
def demo_services(demo_settings):
    from assistant.artifacts import ShopIndex
    from assistant.chat.engine import Services
    return Services(demo_settings, ShopIndex.open(demo_settings), llm=None)
