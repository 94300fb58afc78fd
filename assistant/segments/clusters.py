"""Behavioural clusters: k-means on scaled profile features, k chosen by silhouette, named from centroids.

    labels, summary = cluster_customers(profiles, k_range=range(3, 9))
    summary[0]  # {'cluster': 0, 'name': 'Frequent big spenders', 'description': 'recency 12 days (typical 50), ...', 'size': 412}
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

FEATURES = ["recency_days", "frequency", "monetary", "tenure_days", "avg_basket", "return_rate", "distinct_items"]
LOGGED = {"recency_days", "frequency", "monetary", "avg_basket", "distinct_items"}
# (feature, high word, low word): the words used to name a cluster by its most distinctive centroid features
WORDS = {"recency_days": ("lapsed", "recently active"), "frequency": ("frequent", "one-off"),
         "monetary": ("big-spending", "low-spending"), "tenure_days": ("long-standing", "new"),
         "avg_basket": ("large-basket", "small-basket"), "return_rate": ("returns-prone", "rarely-returning"),
         "distinct_items": ("wide-ranging", "narrow-range")}


def feature_matrix(profiles: pd.DataFrame) -> np.ndarray:
    x = profiles[FEATURES].astype(float).copy()
    for col in LOGGED:
        x[col] = np.log1p(x[col].clip(lower=0))
    return StandardScaler().fit_transform(x.to_numpy())


def cluster_customers(profiles: pd.DataFrame, k_range=range(3, 9), seed: int = 0,
                      sample: int = 3000) -> tuple[np.ndarray, list[dict]]:
    """Cluster labels per profile row and a named description of each cluster."""
    if len(profiles) < 2 * max(k_range):
        k_range = range(2, max(3, len(profiles) // 2))
    x = feature_matrix(profiles)
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(x), size=min(sample, len(x)), replace=False)
    best_score, best_model = -1.0, None
    for k in k_range:
        if k >= len(x):
            break
        model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(x)
        score = silhouette_score(x[idx], model.labels_[idx]) if len(set(model.labels_[idx])) > 1 else -1
        if score > best_score:
            best_score, best_model = score, model
    labels = best_model.labels_ if best_model is not None else np.zeros(len(x), int)
    return labels, describe_clusters(profiles, labels, best_score)


def describe_clusters(profiles: pd.DataFrame, labels: np.ndarray, silhouette: float) -> list[dict]:
    """Name each cluster by its two most distinctive features (median vs the overall median, in z units)."""
    x = feature_matrix(profiles)
    overall = profiles[FEATURES].median()
    out, used = [], set()
    for c in sorted(set(labels)):
        members = labels == c
        z = pd.Series(x[members].mean(axis=0), index=FEATURES)
        top = z.abs().sort_values(ascending=False).index[:2]
        words = [WORDS[f][0] if z[f] > 0 else WORDS[f][1] for f in top]
        if "recency_days" not in top and "frequency" not in top:
            words.append(WORDS["frequency"][0] if z["frequency"] > 0 else WORDS["frequency"][1])
        name = " ".join(words).capitalize() + " customers"
        if name in used:
            name += f" ({c})"
        used.add(name)
        med = profiles.loc[members, FEATURES].median()
        description = ", ".join(f"{f.replace('_', ' ')} {_fmt(med[f])} (typical {_fmt(overall[f])})" for f in top)
        out.append({"cluster": int(c), "name": name, "description": description, "size": int(members.sum()),
                    "silhouette": round(float(silhouette), 3)})
    return out


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.2f}"
