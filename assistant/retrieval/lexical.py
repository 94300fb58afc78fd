"""BM25 keyword search: exact words, SKUs and brands that embeddings blur.

    bm25 = BM25Index.build(["White Hanging Heart T-Light Holder 85123A", ...])
    scores = bm25.scores("heart t-light")          # dense, one per document
    bm25.save(path); BM25Index.load(path)
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import scipy.sparse as sp

TOKEN = re.compile(r"[0-9a-z]+(?:-[0-9a-z]+)*|[\u4e00-\u9fff]")
STOP = frozenset("a an and the of for in on with to from our is are i me my you your it this that "
                 "some any want need looking show find please".split())


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens; hyphenated words also give their parts ('t-light' -> t-light, t, light)."""
    out = []
    for tok in TOKEN.findall(text.lower()):
        if tok in STOP:
            continue
        out.append(tok)
        if "-" in tok:
            out.extend(p for p in tok.split("-") if p and p not in STOP)
    return out


POSTINGS_PER_TERM = 20_000


class BM25Index:
    def __init__(self, weights: sp.csc_matrix, vocab: dict[str, int]):
        self.weights = weights   # docs x terms, BM25 term weight per (doc, term)
        self.vocab = vocab

    @classmethod
    def build(cls, docs: list[str], k1: float = 1.2, b: float = 0.75) -> "BM25Index":
        vocab: dict[str, int] = {}
        rows, cols = [], []
        for d, text in enumerate(docs):
            for tok in tokenize(text):
                rows.append(d)
                cols.append(vocab.setdefault(tok, len(vocab)))
        tf = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(docs), len(vocab)))
        tf.sum_duplicates()
        doc_len = np.asarray(tf.sum(axis=1)).ravel()
        df = np.bincount(tf.indices, minlength=len(vocab))
        idf = np.log1p((len(docs) - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = k1 * (1 - b + b * doc_len / max(doc_len.mean(), 1e-9))
        tf = tf.tocoo()
        data = idf[tf.col] * tf.data * (k1 + 1) / (tf.data + norm[tf.row])
        weights = sp.csc_matrix((data.astype(np.float32), (tf.row, tf.col)), shape=tf.shape)
        for t in range(weights.shape[1]):       # impact order: each term's best documents first
            lo, hi = weights.indptr[t], weights.indptr[t + 1]
            order = np.argsort(-weights.data[lo:hi], kind="stable")
            weights.indices[lo:hi] = weights.indices[lo:hi][order]
            weights.data[lo:hi] = weights.data[lo:hi][order]
        weights.has_sorted_indices = False
        return cls(weights, vocab)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for `query` (zeros when no term is known)."""
        terms = sorted({self.vocab[t] for t in tokenize(query) if t in self.vocab})
        if not terms:
            return np.zeros(self.weights.shape[0], np.float32)
        return np.asarray(self.weights[:, terms].sum(axis=1)).ravel()

    def top(self, query: str, k: int, allowed: np.ndarray | None = None,
            postings: int = POSTINGS_PER_TERM) -> tuple[np.ndarray, np.ndarray]:
        """The k best-scoring documents among each query term's `postings` highest-impact documents
        (and `allowed`): (ids, scores). Impact ordering keeps this fast on million-item catalogs."""
        terms = sorted({self.vocab[t] for t in tokenize(query) if t in self.vocab})
        if not terms:
            return np.array([], np.int64), np.array([], np.float32)
        w = self.weights
        spans = [(w.indptr[t], min(w.indptr[t + 1], w.indptr[t] + postings)) for t in terms]
        rows = np.concatenate([w.indices[lo:hi] for lo, hi in spans])
        vals = np.concatenate([w.data[lo:hi] for lo, hi in spans])
        docs, inverse = np.unique(rows, return_inverse=True)
        sums = np.bincount(inverse, weights=vals)
        if allowed is not None:
            keep = allowed[docs]
            docs, sums = docs[keep], sums[keep]
        if len(sums) > k:
            part = np.argpartition(-sums, k - 1)[:k]
            docs, sums = docs[part], sums[part]
        order = np.argsort(-sums, kind="stable")
        return docs[order].astype(np.int64), sums[order].astype(np.float32)

    def save(self, path: Path) -> None:
        w = self.weights
        with open(path, "wb") as f:
            np.savez(f, data=w.data, indices=w.indices, indptr=w.indptr, shape=np.array(w.shape),
                     vocab=np.array(json.dumps(self.vocab, ensure_ascii=False)))

    @classmethod
    def load(cls, path: Path) -> "BM25Index":
        with np.load(path, allow_pickle=False) as z:
            weights = sp.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
            return cls(weights, json.loads(str(z["vocab"])))
