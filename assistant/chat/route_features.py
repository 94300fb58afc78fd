"""What the router's classifier reads: the e5 sentence embedding beside character n-grams of the text.

    features = RouteFeatures(char_weight=0.5).fit(texts)          # learns the n-gram vocabulary
    a = features.transform(texts, embeddings)                      # (n, 384 + n-grams) sparse rows
    model = LogisticRegression(C=50).fit(a, labels)

The embedding carries meaning across English and Chinese; character n-grams (2-4 characters, inside word
boundaries, TF-IDF, sublinear) carry the surface words a small embedding blurs: "oder", "invoice",
"发票", "退款", a company's name. `char_weight` scales the n-gram block against the unit-length embedding
(0 leaves the embedding alone). Fitted on training texts only: cross-validation fits one per fold.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

NGRAMS = (2, 4)
MIN_DF = 2              # an n-gram seen in one utterance only is that utterance's, not a kind's


class RouteFeatures:
    def __init__(self, char_weight: float = 0.5):
        if char_weight < 0:
            raise ValueError(f"char_weight must be >= 0, got {char_weight}")
        self.char_weight = char_weight
        self.vectorizer: TfidfVectorizer | None = None

    def fit(self, texts: list[str]) -> "RouteFeatures":
        if self.char_weight > 0:
            self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, min_df=MIN_DF,
                                              sublinear_tf=True, lowercase=True).fit(texts)
        return self

    def transform(self, texts: list[str], embeddings: np.ndarray):
        """Rows for the classifier: the embeddings alone, or [embedding | char_weight * n-gram TF-IDF]."""
        if len(texts) != len(embeddings):
            raise ValueError(f"{len(texts)} texts but {len(embeddings)} embeddings")
        if self.vectorizer is None:
            return np.asarray(embeddings)
        grams = self.vectorizer.transform(texts) * self.char_weight
        return sp.hstack([sp.csr_matrix(embeddings), grams]).tocsr()
