"""SASRec-style sequential recommender: causal self-attention over each customer's item sequence.

    seq = create_recommender("sequential", dim=64, blocks=1, epochs=20).fit(history)   # torch, CPU
    scores = seq.score(history)           # (rows, items): what comes next after each sequence

Order comes from the history values, the same recency weights every model is scored on
(evaluate.history_matrix, search/ranker.py: 0.5 ** (age_days / half_life)): a larger value is a
more recent purchase, ties keep item order. A binary matrix therefore reads as an unordered set.
The last `max_len` items of a sequence are used. Training predicts every next item of every
training sequence with a softmax over the target and `negatives` sampled items (0: the whole catalog,
the SASRec+CE recipe), Adam, fixed seed.
The state is one flat float32 vector of the network's weights (plain .npz like every model).
Leaves out: time gaps, item features, repeat purchases (the history holds one entry per item).
"""
from __future__ import annotations

import logging
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp

from assistant.recommend.base import Recommender
from assistant.recommend.registry import register_recommender

log = logging.getLogger(__name__)


def sequences(history: sp.csr_matrix, max_len: int) -> np.ndarray:
    """(rows, max_len) item index + 1, oldest first, left-padded with 0; latest max_len items per row."""
    history = sp.csr_matrix(history)
    out = np.zeros((history.shape[0], max_len), np.int64)
    for r in range(history.shape[0]):
        start, end = history.indptr[r], history.indptr[r + 1]
        items, values = history.indices[start:end], history.data[start:end]
        order = np.lexsort((items, values))               # by value (recency), then item index
        seq = items[order][-max_len:] + 1
        if len(seq):
            out[r, -len(seq):] = seq
    return out


@contextmanager
def torch_threads(n: int):
    """Run torch on `n` threads (small ops: one thread is fastest, and it shares a busy machine well)."""
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _network(n_items: int, dim: int, blocks: int, heads: int, max_len: int, dropout: float):
    import torch
    from torch import nn

    class SASRec(nn.Module):
        def __init__(self):
            super().__init__()
            self.items = nn.Embedding(n_items + 1, dim, padding_idx=0)    # row 0: padding
            self.positions = nn.Embedding(max_len, dim)
            for table in (self.items, self.positions):             # unit-norm rows: logits start near 0
                nn.init.normal_(table.weight, std=dim ** -0.5)
            layer = nn.TransformerEncoderLayer(dim, heads, dim_feedforward=dim, dropout=dropout,
                                               batch_first=True, norm_first=True)
            self.encoder = nn.TransformerEncoder(layer, blocks, enable_nested_tensor=False)
            self.norm = nn.LayerNorm(dim)
            self.drop = nn.Dropout(dropout)
            self.register_buffer("causal", torch.triu(torch.ones(max_len, max_len, dtype=torch.bool), 1))

        def forward(self, seq):                             # (batch, L) -> (batch, L, dim)
            x = self.items(seq) + self.positions.weight[None, -seq.shape[1]:]
            x = self.drop(x) * (seq > 0).unsqueeze(-1)
            x = self.encoder(x, mask=self.causal[-seq.shape[1]:, -seq.shape[1]:])
            return self.norm(x)

        def logits(self, hidden):                           # (..., dim) -> (..., n_items)
            return hidden @ self.items.weight[1:].T

    return SASRec()


@register_recommender("sequential")
class Sequential(Recommender):
    state_fields = ("weights", "n_items")
    uses_order = True                   # fit() and score() read the order from the history values
    history_half_life_days = 3650.0     # any decay keeps the order; a slow one keeps old purchases distinct

    def __init__(self, dim: int = 64, blocks: int = 1, heads: int = 1, max_len: int = 30, epochs: int = 20,
                 lr: float = 5e-3, dropout: float = 0.2, batch: int = 128, negatives: int = 256, seed: int = 0,
                 threads: int = 1, **params):
        super().__init__(dim=dim, blocks=blocks, heads=heads, max_len=max_len, epochs=epochs, lr=lr,
                         dropout=dropout, batch=batch, negatives=negatives, seed=seed, threads=threads, **params)

    def _build(self, n_items: int):
        import torch
        torch.manual_seed(self.params["seed"])
        p = self.params
        self.net = _network(n_items, p["dim"], p["blocks"], p["heads"], p["max_len"], p["dropout"])

    def fit(self, matrix: sp.csr_matrix, on_epoch=None) -> "Sequential":
        """Train `epochs` epochs; `on_epoch(epoch)` (if given) runs after each, the model ready to score,
        and stops the training by returning True."""
        with torch_threads(self.params["threads"]):
            return self._fit(matrix, on_epoch)

    def _fit(self, matrix: sp.csr_matrix, on_epoch) -> "Sequential":
        import torch
        p = self.params
        n_items = matrix.shape[1]
        self._build(n_items)
        seqs = sequences(matrix, p["max_len"] + 1)
        seqs = seqs[(seqs > 0).sum(axis=1) >= 2]                # a next item to predict
        inputs, targets = torch.from_numpy(seqs[:, :-1]), torch.from_numpy(seqs[:, 1:] - 1)
        optimiser = torch.optim.Adam(self.net.parameters(), lr=p["lr"])
        generator = torch.Generator().manual_seed(p["seed"])
        self.net.train()
        for epoch in range(p["epochs"]):
            total = 0.0
            for idx in torch.randperm(len(inputs), generator=generator).split(p["batch"]):
                x, y = inputs[idx], targets[idx]
                keep = x > 0                                   # positions with a real item and its successor
                hidden, y = self.net(x)[keep], y[keep]
                loss = self._loss(hidden, y, generator)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                total += float(loss.detach()) * len(idx)
            log.debug("sequential epoch %d: loss %.4f", epoch + 1, total / max(len(inputs), 1))
            if on_epoch is not None:
                self._freeze(n_items)
                if on_epoch(epoch + 1):                         # the caller says stop (e.g. out of time)
                    self.params["epochs"] = epoch + 1
                    break
                self.net.train()
        self._freeze(n_items)
        return self

    def _loss(self, hidden, targets, generator):
        """Cross-entropy of the next item: over the whole catalog (negatives 0), or over the target and
        `negatives` items drawn uniformly, shared by the batch (sampled softmax: fast on large catalogs)."""
        import torch
        n = self.params["negatives"]
        if not n or n >= self.net.items.num_embeddings - 1:
            return torch.nn.functional.cross_entropy(self.net.logits(hidden), targets)
        table = self.net.items.weight[1:]
        negatives = torch.randint(0, len(table), (n,), generator=generator)
        positive = (hidden * table[targets]).sum(-1, keepdim=True)                  # (N, 1)
        negative = hidden @ table[negatives].T                                     # (N, n)
        negative = negative.masked_fill(negatives[None, :] == targets[:, None], float("-inf"))
        logits = torch.cat([positive, negative], dim=1)
        return torch.nn.functional.cross_entropy(logits, torch.zeros(len(targets), dtype=torch.long))

    def _freeze(self, n_items: int) -> None:
        import torch
        self.net.eval()
        self.n_items = np.array(n_items)
        self.weights = torch.nn.utils.parameters_to_vector(self.net.parameters()).detach().numpy().copy()

    def restore(self, weights: np.ndarray, epochs: int) -> "Sequential":
        """Go back to saved `weights` (a snapshot taken after `epochs` epochs)."""
        self.weights = np.array(weights, np.float32)
        self.params["epochs"] = epochs
        self.after_load()
        return self

    def after_load(self) -> None:
        import torch
        self._build(int(self.n_items))
        torch.nn.utils.vector_to_parameters(torch.from_numpy(np.asarray(self.weights, np.float32)),
                                            self.net.parameters())
        self.net.eval()

    def score(self, history: sp.csr_matrix) -> np.ndarray:
        import torch
        seqs = torch.from_numpy(sequences(history, self.params["max_len"]))
        with torch.inference_mode(), torch_threads(self.params["threads"]):
            scores = self.net.logits(self.net(seqs)[:, -1]).numpy()
        empty = (seqs > 0).sum(dim=1).numpy() == 0
        scores[empty] = 0.0                                    # nothing to go on: no preference
        return scores

    def item_similarity(self, item: int) -> np.ndarray:
        import torch
        with torch.no_grad():
            emb = self.net.items.weight[1:].numpy()
        norms = np.linalg.norm(emb, axis=1) + 1e-9
        return (emb @ emb[item]) / (norms * norms[item])
