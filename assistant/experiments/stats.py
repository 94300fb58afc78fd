"""A/B statistics as pure functions: intervals, the two-proportion z-test, power, sample size, MDE.

    wilson(30, 200)                         # (0.1073, 0.2067): 95% Wilson interval of 30/200
    two_proportion_z(30, 200, 45, 200)      # (z, two-sided p) of arm B's rate vs arm A's, pooled variance
    sample_size(0.10, 0.12)                 # 5241 conversations per arm tell 10% from 12% (alpha 0.05, power 0.9)
    exact_power(0.10, 0.12, 5241)           # 0.9059: the deciding z-test's power on exact binomial counts
    mde(0.10, 3000)                         # smallest absolute lift over 10% that 3000 per arm detects
    ratio_interval(y, n)                    # per-card rate sum(y)/sum(n) over conversations, delta-method CI

Why these: the unit that is randomised is the conversation (chat/engine.py hashes its id), so the decision
metric is a per-conversation proportion (did it lead to an add-to-cart?) and conversations are independent:
the pooled two-proportion z-test is the standard, exact-enough test for that (its normal approximation holds
once each arm has a few conversions; report.py asks for that first). Rates whose unit is not the conversation
(add-to-cart per card, thumbs-up per answer) are clustered within conversations, so their intervals use the
delta method for a ratio of sums (Deng, Knoblich & Lu 2018, "Applying the Delta Method in Metric Analytics")
instead of a binomial interval that would be too narrow.

The plan and the test that decides: the test is the pooled z-test without continuity correction (its size
is alpha: exact A/A rate 5.005% at 3,633 per arm and 17%). The plan is Fleiss' normal-approximation sample
size with Fleiss, Tytun & Ury's continuity correction (1980, "A simple approximation for calculating sample
sizes for comparing independent proportions", Biometrics 36:343-346): n' = n/4 (1 + sqrt(1 + 4/(n |d|)))^2.
Without the correction the plan's power for the discrete test is nominal only on average: computed exactly
over both binomials (exact_power) it is 0.9003 at 17% vs 19.8% and 0.8993 at 50% vs 55% (below the plan), so
a simulator finds the lift in 90% +- chance of runs. With it, the exact power of the same test is 0.903-0.926
over p 2-50% and lifts 10-50% (tests/test_experiments.py checks a grid): the plan is met, not just approached. power() and mde() invert the corrected
size (the n' <-> n map is closed-form), so sample size, power and MDE describe the same plan.
Leaves out: sequential testing, Bayesian posteriors, variance reduction (CUPED).
"""
from __future__ import annotations

import math

import numpy as np
from scipy.stats import binom, norm


def z_quantile(p: float) -> float:
    return float(norm.ppf(p))


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of the proportion k/n ((0, 1) when n is 0)."""
    if n <= 0:
        return 0.0, 1.0
    z = z_quantile(0.5 + confidence / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def two_proportion_z(k_a: int, n_a: int, k_b: int, n_b: int) -> tuple[float, float]:
    """(z, two-sided p-value) of B's rate minus A's under H0 (equal rates), pooled variance.
    (0, 1) when the pooled rate is 0 or 1 (nothing to compare)."""
    if n_a <= 0 or n_b <= 0:
        return 0.0, 1.0
    pooled = (k_a + k_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se == 0:
        return 0.0, 1.0
    z = (k_b / n_b - k_a / n_a) / se
    return z, float(2 * norm.sf(abs(z)))


def uncorrected_n(n: float, d: float) -> float:
    """The normal-approximation size that Fleiss-Tytun-Ury's continuity-corrected size n stands for (the
    inverse of n' = n/4 (1 + sqrt(1 + 4/(n d)))^2: n = (sqrt(n') - 1/(d sqrt(n')))^2; 0 when n' <= 1/d)."""
    d = abs(d)
    if n <= 0 or d == 0 or n * d <= 1:
        return 0.0
    return (math.sqrt(n) - 1 / (d * math.sqrt(n))) ** 2


def power(p_a: float, p_b: float, n: float, alpha: float = 0.05) -> float:
    """The planned power of n per arm: the chance that the pooled z-test at two-sided `alpha` finds B != A
    when the rates are p_a and p_b, by the normal approximation with Fleiss-Tytun-Ury's continuity
    correction (the plan sample_size makes; the far tail, under 1e-6 at useful sizes, is left out)."""
    n = uncorrected_n(n, p_b - p_a)
    if n <= 0:
        return 0.0
    pbar = (p_a + p_b) / 2
    null_sd = math.sqrt(2 * pbar * (1 - pbar) / n)
    alt_sd = math.sqrt((p_a * (1 - p_a) + p_b * (1 - p_b)) / n)
    return float(norm.sf((z_quantile(1 - alpha / 2) * null_sd - abs(p_b - p_a)) / alt_sd))


def exact_power(p_a: float, p_b: float, n: int, alpha: float = 0.05) -> float:
    """The chance that two_proportion_z rejects at two-sided `alpha` (either direction) with n per arm,
    summed exactly over both binomial counts (each within 9 sd of its mean; the rest is below 1e-18).
    exact_power(p, p, n) is the test's true size."""
    def counts(p):
        sd = math.sqrt(n * p * (1 - p))
        return np.arange(max(0, int(n * p - 9 * sd)), min(n, int(n * p + 9 * sd) + 1) + 1)
    k_a, k_b = counts(p_a), counts(p_b)
    f_a, f_b = binom.pmf(k_a, n, p_a), binom.pmf(k_b, n, p_b)
    a, b = k_a[:, None], k_b[None, :]
    pooled = (a + b) / (2 * n)
    se = np.sqrt(pooled * (1 - pooled) * 2 / n)
    z = np.divide((b - a) / n, se, out=np.zeros(se.shape), where=se > 0)
    return float((f_a[:, None] * f_b[None, :] * (np.abs(z) > z_quantile(1 - alpha / 2))).sum())


def sample_size(p_a: float, p_b: float, alpha: float = 0.05, power_: float = 0.9) -> int:
    """Conversations per arm for the pooled z-test to find p_b != p_a with probability `power_`: Fleiss'
    n = (z_a sqrt(2 pbar qbar) + z_b sqrt(p_a q_a + p_b q_b))^2 / d^2, continuity-corrected (Fleiss, Tytun &
    Ury 1980) to n/4 (1 + sqrt(1 + 4/(n |d|)))^2, rounded up."""
    if p_a == p_b:
        raise ValueError("sample_size needs two different rates")
    pbar = (p_a + p_b) / 2
    za, zb = z_quantile(1 - alpha / 2), z_quantile(power_)
    d = abs(p_b - p_a)
    n = (za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p_a * (1 - p_a) + p_b * (1 - p_b))) ** 2 / d ** 2
    return int(math.ceil(n / 4 * (1 + math.sqrt(1 + 4 / (n * d))) ** 2 - 1e-9))


def mde(p_a: float, n: int, alpha: float = 0.05, power_: float = 0.9) -> float:
    """Minimum detectable effect: the smallest absolute increase d over p_a that n per arm finds with
    probability `power_` (the inverse of sample_size, by bisection). 1 - p_a when nothing below it is."""
    if n <= 0:
        return float("nan")
    lo, hi = 0.0, 1.0 - p_a
    if hi <= 0 or power(p_a, p_a + hi, n, alpha) < power_:
        return hi
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if power(p_a, p_a + mid, n, alpha) < power_ else (lo, mid)
    return hi


def ratio_interval(y, n, confidence: float = 0.95) -> tuple[float, float, float]:
    """(rate, low, high) of sum(y) / sum(n), where y[i] successes out of n[i] trials belong to independent
    cluster i (a conversation): delta-method variance var(y - r n) / (m nbar^2) over m clusters."""
    y, n = np.asarray(y, np.float64), np.asarray(n, np.float64)
    keep = n > 0
    y, n = y[keep], n[keep]
    m = len(n)
    if m == 0:
        return float("nan"), 0.0, 1.0
    rate = float(y.sum() / n.sum())
    if m < 2:
        return rate, 0.0, 1.0
    var = float(np.var(y - rate * n, ddof=1) / (m * n.mean() ** 2))
    half = z_quantile(0.5 + confidence / 2) * math.sqrt(var)
    return rate, max(0.0, rate - half), min(1.0, rate + half)
