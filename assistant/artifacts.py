"""Open the published build under indexes/current, refusing anything that does not match its manifest.

    idx = ShopIndex.open(Settings.load())        # raises IndexMismatch if files or data changed
    idx.products, idx.currency, idx.vector_index, idx.cf, idx.kb, idx.profiles, idx.table("orders")
    idx.kb_section("returns.md#return-window")   # a policy section's text, for rules quoted from the KB
    idx.embedder.query("candle holder")
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd

from assistant.config import Settings
from assistant.data.shop import data_hash
from assistant.errors import IndexMismatch
from assistant.fsutil import file_sha256
from assistant.models.registry import create
from assistant.recommend.debias import Debiased
from assistant.recommend.registry import load_recommender
from assistant.retrieval.kb import KnowledgeBase
from assistant.retrieval.lexical import BM25Index
from assistant.retrieval.multilingual import MultilingualIndex
from assistant.retrieval.vector import VectorIndex
from assistant.search.vocabulary import Vocabulary


class ShopIndex:
    def __init__(self, folder: Path, manifest: dict, settings: Settings):
        self.folder = folder
        self.manifest = manifest
        self.settings = settings
        self.as_of = pd.Timestamp(manifest["as_of"])
        self.products = pd.read_parquet(folder / "tables" / "products.parquet")
        self.item_row = pd.Series(np.arange(len(self.products)), index=self.products["item_id"])
        self.vector_index = VectorIndex.load(folder / "products.faiss")
        # with a quantised index the float vectors stay on disk, memory-mapped: the ranker reads its candidates' rows
        quantised = self.vector_index.params.get("codec", "flat") != "flat"
        self.vectors = np.load(folder / "product_vectors.npy", mmap_mode="r" if quantised else None)
        self.lexical = BM25Index.load(folder / "products_bm25.npz")
        self.cf = load_recommender(folder / "cf.npz")
        # the `debiased` strategy's exposure-flow swaps on this hybrid (builds before it have none: ips then)
        self.exposure = (Debiased.load_exposure(folder / "exposure.npz", self.cf)
                         if (folder / "exposure.npz").exists() else None)
        self.profiles = pd.read_parquet(folder / "profiles.parquet")

    @property
    def currency(self) -> str:
        """The shop's currency code (one per shop: the catalog's first row; GBP for an empty catalog)."""
        return str(self.products["currency"].iloc[0]) if len(self.products) else "GBP"

    @classmethod
    def open(cls, settings: Settings | None = None, check_data: bool = True) -> "ShopIndex":
        """Verify the published build (see `verify_build`), then load it."""
        settings = settings or Settings.load()
        folder, manifest = verify_build(settings, check_data)
        return cls(folder, manifest, settings)

    @functools.cached_property
    def embedder(self):
        return create("embedder", self.manifest["models"]["embedder"]["backend"])

    @functools.cached_property
    def multilingual(self) -> MultilingualIndex | None:
        """The titles in a multilingual embedding (Chinese requests); None for builds without one."""
        backend = (self.manifest["models"].get("multilingual_embedder") or {}).get("backend")
        return MultilingualIndex.load(self.folder, create("embedder", backend)) if backend else None

    @functools.cached_property
    def vocabulary(self) -> Vocabulary:
        """The catalog's product types and theme words, mined at build time (search/vocabulary.py)."""
        path = self.folder / "vocabulary.json"
        if not path.exists():
            raise IndexMismatch(f"{path} is missing (built by an older version); rebuild with `python -m assistant build`")
        return Vocabulary.load(path)

    @functools.cached_property
    def kb_sections(self) -> pd.DataFrame:
        """The policy KB as built: one row per section (doc, title, section, anchor, text)."""
        return pd.read_parquet(self.folder / "kb_chunks.parquet")

    def kb_section(self, anchor: str) -> str | None:
        """Text of the KB section `anchor` (e.g. 'contact.md#customer-service'), or None if the shop has none."""
        rows = self.kb_sections[self.kb_sections["anchor"] == anchor]
        return str(rows["text"].iloc[0]) if len(rows) else None

    @functools.cached_property
    def kb(self) -> KnowledgeBase:
        return KnowledgeBase(self.kb_sections, np.load(self.folder / "kb_vectors.npy"), self.embedder)

    @functools.lru_cache(maxsize=None)
    def table(self, name: str) -> pd.DataFrame:
        """A validated shop table as built (orders, order_items, events, customers, products)."""
        return pd.read_parquet(self.folder / "tables" / f"{name}.parquet")


def product_vectors(settings: Settings) -> dict | None:
    """{item_id: unit product vector} of the current build, None when there is none (read without the full
    check: offline evaluation and the A/B simulator only use them as content features)."""
    folder = settings.index_dir / "current"
    if not (folder / "product_vectors.npy").is_file():
        return None
    ids = pd.read_parquet(folder / "tables" / "products.parquet", columns=["item_id"])["item_id"].astype(str)
    return dict(zip(ids, np.load(folder / "product_vectors.npy")))


def verify_build(settings: Settings, check_data: bool = True) -> tuple[Path, dict]:
    """(folder, manifest) of indexes/current after checking every file's sha256 against manifest.json
    and, with `check_data`, that the shop folder still hashes to the manifest's data hash."""
    folder = settings.index_dir / "current"
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        raise IndexMismatch(f"no built indexes in {settings.index_dir}: run `python -m assistant build`")
    manifest = json.loads(manifest_path.read_text())
    for name, expected in manifest["files"].items():
        path = folder / name
        if not path.exists():
            raise IndexMismatch(f"{path} is missing; rebuild with `python -m assistant build`")
        if file_sha256(path) != expected:
            raise IndexMismatch(f"{path} does not match manifest.json (changed after the build); rebuild")
    data_dir = Path(manifest["data_dir"])
    if check_data and data_dir.is_dir() and data_hash(data_dir) != manifest["data_hash"]:
        raise IndexMismatch(f"the data in {data_dir} changed since the indexes were built; "
                            "run `python -m assistant build` again")
    return folder.resolve(), manifest
