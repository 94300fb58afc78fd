"""Propensity models with a split in time: churn risk and high-value probability, with test AUC.

    scores, report = fit_propensity(shop_lines, as_of)          # horizon: CHURN_DAYS (90)
    report  # {'churn': {'auc': 0.78, 'train_cutoff': '2011-06-13', 'test_cutoff': '2011-09-11', ...}, 'high_value': ...}

Features are computed from purchases before a cutoff; labels from the `horizon_days` after it.
Train at cutoff as_of - 2 x horizon, test at as_of - horizon (labels fully observed), then score
every customer with features as of `as_of`: churn = no purchase in the next horizon,
high value = next-horizon spend in the top 20% of the training customers' spend.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

CHURN_DAYS = 90   # the one churn horizon: no purchase for this long = churned (churn rate, churn label, recent window)


def features_at(lines: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Per-customer features from purchase lines (user_id, order_id, order_date, amount) before `cutoff`."""
    past = lines[lines["order_date"] < cutoff]
    g = past.groupby("user_id")
    f = pd.DataFrame({
        "recency": (cutoff - g["order_date"].max()).dt.days,
        "frequency": g["order_id"].nunique(),
        "monetary": g["amount"].sum(),
        "tenure": (cutoff - g["order_date"].min()).dt.days,
        "recent_90": past[past["order_date"] >= cutoff - pd.Timedelta(days=CHURN_DAYS)]
        .groupby("user_id")["order_id"].nunique(),
    }).fillna(0)
    f["log_monetary"] = np.log1p(f["monetary"].clip(lower=0))
    f["log_frequency"] = np.log1p(f["frequency"])
    return f[["recency", "log_frequency", "log_monetary", "tenure", "recent_90"]]


def labels_after(lines: pd.DataFrame, cutoff: pd.Timestamp, horizon: pd.Timedelta) -> pd.Series:
    window = lines[(lines["order_date"] >= cutoff) & (lines["order_date"] < cutoff + horizon)]
    return window.groupby("user_id")["amount"].sum()


def fit_propensity(lines: pd.DataFrame, as_of: pd.Timestamp, horizon_days: int = CHURN_DAYS) -> tuple[pd.DataFrame, dict]:
    """Churn-risk and high-value probabilities per customer (as of `as_of`) and the test-set AUCs."""
    horizon = pd.Timedelta(days=horizon_days)
    train_cut, test_cut = as_of - 2 * horizon, as_of - horizon
    x_train, x_test = features_at(lines, train_cut), features_at(lines, test_cut)
    spend_train = labels_after(lines, train_cut, horizon).reindex(x_train.index).fillna(0)
    spend_test = labels_after(lines, test_cut, horizon).reindex(x_test.index).fillna(0)
    threshold = float(spend_train[spend_train > 0].quantile(0.8)) if (spend_train > 0).any() else 0.0
    targets = {"churn": (spend_train <= 0, spend_test <= 0),
               "high_value": (spend_train >= max(threshold, 1e-9), spend_test >= max(threshold, 1e-9))}
    now = features_at(lines, as_of)
    scores = pd.DataFrame(index=now.index)
    report = {}
    for name, (y_train, y_test) in targets.items():
        if y_train.nunique() < 2 or len(x_train) < 20:
            scores[f"{name}_probability"] = np.nan
            report[name] = {"auc": None, "reason": "not enough history for a split in time"}
            continue
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(x_train, y_train)
        auc = roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]) if y_test.nunique() == 2 else None
        scores[f"{name}_probability"] = model.predict_proba(now)[:, 1].round(4)
        report[name] = {"auc": None if auc is None else round(float(auc), 4), "train_cutoff": str(train_cut.date()),
                        "test_cutoff": str(test_cut.date()), "horizon_days": horizon_days,
                        "train_customers": len(x_train), "test_customers": len(x_test),
                        "positive_rate_test": round(float(y_test.mean()), 4)}
        if name == "high_value":
            report[name]["spend_threshold"] = round(threshold, 2)
    return scores, report
