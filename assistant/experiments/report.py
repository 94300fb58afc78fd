"""The A/B report: per arm, from the app's stored log, with intervals, a test, the MDE and a verdict.

    report = ab_report(Store(settings.state_db), settings)     # what `python -m assistant eval ab` prints
    print(format_report(report))
    verdict = compare_arms(ArmCounts("hybrid", 3100, 310), ArmCounts("debiased", 3050, 366), Plan())

Arms are the `strategy` stored with every message (chat/engine.py splits shopper conversations by a
stable hash of their id). The decision metric is conversion: the share of an arm's conversations with at
least one add-to-cart; the conversation is the randomised unit, so the pooled two-proportion z-test applies
(experiments/stats.py says why). Reported beside it, each with a 95% interval: add-to-cart per product card,
thumbs-up per answer and the share of answers with LLM text (delta-method intervals: clustered by
conversation). Verdict, per arm against the control (the first arm of Settings.ab_strategies that has data):
- fewer than `ab_min_per_arm` conversations in an arm, or fewer than 10 conversions in all: not enough data;
- below the planned size (the sample size that finds a `ab_target_lift` relative lift over the control's
  rate with `ab_power`): not enough data yet, even when p < alpha already (the leader is named, no winner):
  underpowered wins overstate the lift and, looked at daily, are false far more often than alpha;
- at or above it: p < alpha (Bonferroni-divided over the comparisons when there are more than two arms)
  names the better arm; otherwise no difference found, any true one is likely below the MDE.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from assistant.experiments.stats import mde, ratio_interval, sample_size, two_proportion_z, wilson

MIN_CONVERSIONS = 10         # fewer in all arms together: the normal approximation of the z-test is poor


@dataclass(frozen=True)
class Plan:
    """How the test is read: Settings ab_alpha, ab_power, ab_target_lift, ab_min_per_arm."""
    alpha: float = 0.05
    power: float = 0.9
    target_lift: float = 0.2
    min_per_arm: int = 100

    @classmethod
    def from_settings(cls, s) -> "Plan":
        return cls(s.ab_alpha, s.ab_power, s.ab_target_lift, s.ab_min_per_arm)


@dataclass(frozen=True)
class ArmCounts:
    """An arm's conversations and those with an add-to-cart."""
    arm: str
    conversations: int
    converted: int


def compare_arms(control: ArmCounts, other: ArmCounts, plan: Plan, comparisons: int = 1) -> dict:
    """The verdict of `other` against `control` on conversion (see the module docstring)."""
    alpha = plan.alpha / max(comparisons, 1)
    n = min(control.conversations, other.conversations)
    z, p = two_proportion_z(control.converted, control.conversations, other.converted, other.conversations)
    rate_a = control.converted / control.conversations if control.conversations else 0.0
    rate_b = other.converted / other.conversations if other.conversations else 0.0
    baseline = rate_a if rate_a > 0 else (control.converted + other.converted) / max(
        control.conversations + other.conversations, 1)
    out = {"control": control.arm, "arm": other.arm, "z": round(z, 4), "p_value": round(p, 6), "alpha": alpha,
           "difference": round(rate_b - rate_a, 6), "needed_per_arm": None, "mde": None, "winner": None}
    if 0 < baseline < 1:
        target = min(baseline * (1 + plan.target_lift), 0.999999)
        out["needed_per_arm"] = sample_size(baseline, target, alpha, plan.power)
        out["mde"] = round(mde(baseline, n, alpha, plan.power), 6) if n else None
    leader = other.arm if rate_b > rate_a else control.arm
    if n < plan.min_per_arm or control.converted + other.converted < MIN_CONVERSIONS:
        out["verdict"] = "not enough data yet"
    elif out["needed_per_arm"] is None or n < out["needed_per_arm"]:
        out["verdict"] = "not enough data yet" + (
            f" ({leader} leads, p = {p:.4f}, but the plan is {out['needed_per_arm']} conversations per arm)"
            if p < alpha and out["needed_per_arm"] else "")
    elif p < alpha:
        out["winner"] = leader
        out["verdict"] = f"{leader} converts better (p = {p:.4f})"
    else:
        out["verdict"] = "no difference found: a true difference, if any, is likely below the MDE"
    return out


def arm_summary(arm: str, log: list[dict]) -> dict:
    """Counts, rates and 95% intervals of one arm's conversations (rows of Store.arm_log)."""
    conversations = len(log)
    converted = sum(1 for r in log if r["add_to_cart"] > 0)
    low, high = wilson(converted, conversations)
    out = {"arm": arm, "conversations": conversations, "answers": sum(r["answers"] for r in log),
           "cards": sum(r["cards"] for r in log), "add_to_cart": sum(r["add_to_cart"] for r in log),
           "conversion": {"rate": converted / conversations if conversations else None, "low": low, "high": high,
                          "converted": converted}}
    for name, num, den in (("add_to_cart_per_card", "add_to_cart", "cards"),
                           ("thumbs_up_per_answer", "thumbs_up", "answers"),
                           ("llm_share", "llm_answers", "answers")):
        rate, low, high = ratio_interval([r[num] for r in log], [r[den] for r in log])
        out[name] = {"rate": None if rate != rate else rate, "low": low, "high": high}
    return out


def ab_report(store, settings) -> dict:
    """The whole report from the store: arms, their summaries, and each arm against the control."""
    plan = Plan.from_settings(settings)
    log = store.arm_log()
    by_arm: dict[str, list[dict]] = {}
    for row in log:
        by_arm.setdefault(row["arm"], []).append(row)
    configured = [a.strip() for a in settings.ab_strategies.split(",") if a.strip()]
    arms = [a for a in configured if a in by_arm] + sorted(a for a in by_arm if a not in configured)
    summaries = [arm_summary(a, by_arm[a]) for a in arms]
    counts = [ArmCounts(s["arm"], s["conversations"], s["conversion"]["converted"]) for s in summaries]
    tests = [compare_arms(counts[0], c, plan, comparisons=len(counts) - 1) for c in counts[1:]]
    return {"plan": asdict(plan), "arms": summaries, "tests": tests,
            "verdict": "; ".join(t["verdict"] for t in tests) if tests else
            ("one arm only: set SHOP_AB_STRATEGIES=hybrid,debiased to split traffic" if arms else "no data yet")}


def _pct(m: dict) -> str:
    if m["rate"] is None:
        return "-"
    return f"{100 * m['rate']:.2f}% [{100 * m['low']:.2f}, {100 * m['high']:.2f}]"


def format_report(report: dict) -> str:
    """The report as text: one row per arm, then one line per comparison."""
    lines = [f"{'arm':<12}{'conv.':>7}{'cards':>8}  {'conversion (95% CI)':<26}{'add-to-cart/card':<26}"
             f"{'thumbs-up/answer':<26}{'LLM text/answer':<26}"]
    for a in report["arms"]:
        lines.append(f"{a['arm']:<12}{a['conversations']:>7}{a['cards']:>8}  {_pct(a['conversion']):<26}"
                     f"{_pct(a['add_to_cart_per_card']):<26}{_pct(a['thumbs_up_per_answer']):<26}"
                     f"{_pct(a['llm_share']):<26}")
    plan = report["plan"]
    for t in report["tests"]:
        need = "-" if t["needed_per_arm"] is None else t["needed_per_arm"]
        mde_ = "-" if t["mde"] is None else f"{100 * t['mde']:.2f} points"
        lines.append(f"{t['arm']} vs {t['control']}: conversion difference {100 * t['difference']:+.2f} points, "
                     f"z = {t['z']:.2f}, p = {t['p_value']:.4f} (pooled two-proportion z-test, alpha {t['alpha']:g}); "
                     f"MDE at this size {mde_}; {need} per arm find a {plan['target_lift']:.0%} lift with "
                     f"power {plan['power']:g}")
    lines.append(f"verdict: {report['verdict']}")
    return "\n".join(lines)
