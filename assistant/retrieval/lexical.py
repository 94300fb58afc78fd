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
        return cls(weights, vocab)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for `query` (zeros when no term is known)."""
        terms = sorted({self.vocab[t] for t in tokenize(query) if t in self.vocab})
        if not terms:
            return np.zeros(self.weights.shape[0], np.float32)
        return np.asarray(self.weights[:, terms].sum(axis=1)).ravel()

    def top(self, query: str, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The k best-scoring documents that contain a query term (and are `allowed`): (ids, scores)."""
        terms = sorted({self.vocab[t] for t in tokenize(query) if t in self.vocab})
        if not terms:
            return np.array([], np.int64), np.array([], np.float32)
        w = self.weights
        rows = np.concatenate([w.indices[w.indptr[t]:w.indptr[t + 1]] for t in terms])
        vals = np.concatenate([w.data[w.indptr[t]:w.indptr[t + 1]] for t in terms])
        docs, inverse = np.unique(rows, return_inverse=True)
        sums = np.bincount(inverse, weights=vals)
        if allowed is not None:
            keep = allowed[docs]
            docs, sums = docs[keep], sums[keep]
        order = np.argsort(-sums, kind="stable")[:k]
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
