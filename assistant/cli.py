"""Command line: python -m assistant <command> ...

    python -m assistant import online-retail data/online-retail/online_retail.csv.gz data/demo-shop
    python -m assistant build [--data DIR]
    python -m assistant demo-data               # import the bundled Online Retail data if needed
    python -m assistant eval recs --interactions FILE [--split temporal80|loo] [--tune-budget-s S] [--no-cold] [--json]
    python -m assistant eval ab [--db var/assistant.db] [--json]   # A/B report per arm from the stored log
    python -m assistant simulate-ab [--arms hybrid,debiased] [--lift 0.2] [--runs 2000]  # checks the A/B analysis
    python -m assistant check FILE_OR_DIR       # validate a shop folder or one table file
    python -m assistant ask [--user ID] [--role shopper|staff] [--conversation ID] [--no-llm] "message" [--json]
    python -m assistant eval router [--set dev|test] [--data FILE.csv] [--llm]  # per-kind accuracy, OOS P/R, latency
    python -m assistant eval insights [--set dev|test] [--data FILE.jsonl|FILE.csv] [--llm]  # staff: exact/clarified/wrong
    python -m assistant eval search [--requests CSV --judgments CSV] [--json]   # NDCG@5, P@5, honest no-match
    python -m assistant export-audience --segment "at risk" --out at-risk.csv
    python -m assistant serve-llm [--port 8080] [--parallel 4] [--engine llama-server|python]
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from assistant.config import Settings
from assistant.errors import AssistantError, DataError, IndexMismatch
from assistant.privacy import install_log_redaction


def main(argv: list[str] | None = None) -> int:
    install_log_redaction()
    parser = argparse.ArgumentParser(prog="python -m assistant", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import", help="convert a known export format into a shop folder")
    p.add_argument("format", choices=["online-retail"])
    p.add_argument("source", type=Path)
    p.add_argument("dest", type=Path)
    p.add_argument("--parquet", action="store_true", help="write tables as Parquet instead of CSV")

    sub.add_parser("demo-data", help="import the bundled Online Retail data into data/demo-shop if missing")

    p = sub.add_parser("build", help="validate a shop folder and build indexes/")
    p.add_argument("--data", default=None, help="shop folder (default: settings.data_dir); with --engine spark "
                                                "any path Spark reads, e.g. s3a://bucket/shop or hdfs:///shop")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--if-stale", action="store_true", help="skip when indexes/current matches the data")
    p.add_argument("--engine", choices=["pandas", "spark"], default="pandas",
                   help="spark: big tables, profiles and ALS with Spark (assistant/spark/)")
    p.add_argument("--master", default=None, help="Spark master (default: settings.spark_master, local[2])")

    p = sub.add_parser("check", help="validate a shop folder without building")
    p.add_argument("path", type=Path)

    p = sub.add_parser("ask", help="ask the assistant one message")
    p.add_argument("message")
    p.add_argument("--user", default=None, help="signed-in customer id (omit for an anonymous shopper)")
    p.add_argument("--role", choices=["shopper", "staff"], default="shopper")
    p.add_argument("--conversation", default=None, help="continue this conversation id")
    p.add_argument("--no-llm", action="store_true", help="template answers only (no model load)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("eval", help="offline evaluation")
    p.add_argument("what", choices=["recs", "router", "insights", "search", "ab"])
    p.add_argument("--interactions", type=Path, help="recs: CSV/Parquet with user_id,item_id,timestamp "
                                                     "(or a shop folder: its events)")
    p.add_argument("--data", type=Path, help="default: the shipped set (router: CSV text,label[,kind,lang] like the blind "
                                             "dev set router_dev.csv; insights: JSONL like staff_eval.jsonl, "
                                             "or a CSV like staff_questions.csv for parse accuracy)")
    p.add_argument("--llm", action="store_true", help="router: let the LLM decide unsure messages (LLM path); "
                                                      "insights: the LLM reads questions the rules cannot explain; "
                                                      "search: add 'ranker+llm', the LLM's type expansion on")
    p.add_argument("--expand-timeout-s", type=float, default=None,
                   help="search --llm: deadline of one expansion call (default: llm_expand_timeout_s, else 5)")
    p.add_argument("--set", default="dev", choices=["dev", "test"],
                   help="router: dev = router_dev.csv, test = router_test.csv (held out); "
                        "insights: dev = staff_eval.jsonl (used in development), test = staff_test.jsonl (held out)")
    p.add_argument("--requests", type=Path, help="search: request_id,text,lang,kind CSV (default: the bundled set)")
    p.add_argument("--judgments", type=Path, help="search: request_id,item_id,grade CSV")
    p.add_argument("--split", choices=["temporal80", "loo"], default="temporal80")
    p.add_argument("--models", default="popularity,itemknn,als,ease,sequential,hybrid,debiased")
    p.add_argument("--tune-budget-s", type=float, default=None,
                   help="recs: seconds for tuning on a validation split of the training part "
                        "(default: setting tune_budget_s; 0: untuned defaults)")
    p.add_argument("--no-cold", action="store_true", help="recs: skip the new-items / new-customers splits")
    p.add_argument("--holdout-days", type=float, default=None,
                   help="recs: cold-start cutoff, days before the last purchase (default: eval_holdout_days)")
    p.add_argument("--no-content", action="store_true",
                   help="recs: no product vectors for the hybrid's new items (default: indexes/current's)")
    p.add_argument("--db", type=Path, default=None, help="ab: the app's SQLite log (default: settings.state_db)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("simulate-ab", help="check the A/B analysis on simulated customers from held-out purchases")
    p.add_argument("--arms", default="hybrid,debiased", help="two recommenders (the first is the control)")
    p.add_argument("--lift", type=float, default=None, help="planted relative lift of the second arm's "
                                                            "add-to-cart probability (default: ab_target_lift)")
    p.add_argument("--runs", type=int, default=2000, help="A/B and A/A runs of the analysis on simulated counts")
    p.add_argument("--db-runs", type=int, default=2, help="of which written through the real store and read back")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", type=Path, default=None, help="shop folder (default: settings.data_dir)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("export-audience", help="segment audience (ids + recommended products) as CSV")
    p.add_argument("--segment", required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--products", type=int, default=3)

    p = sub.add_parser("serve-llm", help="serve the local LLM over an OpenAI-compatible API for many users")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--parallel", type=int, default=4, help="slots decoded together (llama-server)")
    p.add_argument("--engine", choices=["llama-server", "python"], default="llama-server")

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return COMMANDS[args.command](args, Settings.load())
    except AssistantError as e:     # bad data, settings or request, stale indexes; a bug stays a traceback
        print(f"error: {e}", file=sys.stderr)
        return 2


def cmd_import(args, settings) -> int:
    from assistant.data.online_retail import import_online_retail
    from assistant.data.shop import save_shop
    shop = import_online_retail(args.source)
    save_shop(shop, args.dest, fmt="parquet" if args.parquet else "csv")
    print(f"imported {len(shop.products)} products, {len(shop.customers)} customers, "
          f"{len(shop.events)} events, {len(shop.orders)} orders, {len(shop.kb)} policy documents -> {args.dest}")
    return 0


def cmd_demo_data(args, settings) -> int:
    if (settings.data_dir / "products.csv").exists():
        print(f"demo shop already in {settings.data_dir}")
        return 0
    args.source, args.dest, args.parquet = settings.raw_online_retail, settings.data_dir, False
    return cmd_import(args, settings)


def cmd_build(args, settings) -> int:
    from assistant.artifacts import verify_build
    from assistant.build import build_indexes
    if args.if_stale:
        try:
            _, manifest = verify_build(settings)
            if args.data is None or Path(args.data).resolve() == Path(manifest["data_dir"]).resolve():
                print(f"indexes up to date (data hash {manifest['data_hash'][:16]}); skipping build")
                return 0
        except IndexMismatch as e:
            print(f"rebuilding: {e}")
    manifest = build_indexes(settings, args.data, progress=not args.quiet, engine=args.engine, master=args.master)
    counts = ", ".join(f"{k}={v}" for k, v in manifest["counts"].items())
    print(f"built indexes in {manifest['build_seconds']} s: {counts}")
    print(f"data hash {manifest['data_hash'][:16]}  content hash {manifest['content_hash'][:16]}")
    return 0


def cmd_check(args, settings) -> int:
    from assistant.data.contracts import CONTRACTS, read_table
    from assistant.data.shop import load_shop
    if args.path.is_dir():
        shop = load_shop(args.path)
        print("ok: " + ", ".join(f"{n} {len(shop.table(n))} rows" for n in CONTRACTS))
    else:
        name = args.path.stem
        if name not in CONTRACTS:
            raise DataError(args.path.name, f"unknown table name; expected one of {list(CONTRACTS)}")
        print(f"ok: {len(read_table(args.path, CONTRACTS[name]))} rows")
    return 0


def cmd_ask(args, settings) -> int:
    from assistant.chat.engine import Assistant
    from assistant.search.money import format_price
    assistant = Assistant.from_settings(settings, llm=None if args.no_llm else "auto")
    if assistant.s.llm is not None:
        assistant.s.llm.warm_up()
    reply = assistant.ask(args.message, user_id=args.user, role=args.role, conversation_id=args.conversation)
    if args.json:
        print(json.dumps(reply.finish().to_dict(), indent=2, ensure_ascii=False, default=str))
        return 0
    for p in reply.products:
        why = "; ".join(e["text"] for e in p["evidence"][:2])
        print(f"  [{p['item_id']}] {p['title']} - {format_price(p['price'], p['currency'])} - {p['stock']} in stock - {why}")
    for row in reply.rows[:20]:
        print("  " + " | ".join(f"{k}={v}" for k, v in row.items()))
    for piece in reply.stream():
        print(piece, end="", flush=True)
    print(f"\n[{reply.intent}; conversation {reply.conversation_id}; {reply.timings_ms}]")
    return 0


def cmd_eval(args, settings) -> int:
    if args.what == "router":
        return _eval_router(args, settings)
    if args.what == "insights":
        return _eval_insights(args, settings)
    if args.what == "search":
        return _eval_search(args, settings)
    if args.what == "ab":
        return _eval_ab(args, settings)
    if args.interactions is None:
        raise SystemExit("eval recs needs --interactions FILE")
    from assistant.recommend.evaluate import compare, compare_cold, load_interactions, split
    df = load_interactions(args.interactions)
    train, test = split(df, args.split)
    budget = settings.tune_budget_s if args.tune_budget_s is None else args.tune_budget_s
    vectors = None if args.no_content else _product_vectors(settings)
    started, cpu = time.perf_counter(), time.process_time()
    results = compare(train, test, args.models.split(","), how=args.split, tune_budget_s=budget,
                      item_vectors=vectors, max_ndcg_loss=settings.debias_max_ndcg_loss,
                      cold_max_ndcg_loss=settings.cold_max_ndcg_loss)
    summary = {"split": args.split, "users": int(df["user_id"].nunique()), "items": int(df["item_id"].nunique()),
               "interactions": len(df), "tune_budget_s": budget, "content_vectors": vectors is not None,
               "results": results}
    if not args.no_cold:
        holdout = settings.eval_holdout_days if args.holdout_days is None else args.holdout_days
        summary["cold_start"] = compare_cold(load_interactions(args.interactions, min_items=1), results,
                                             holdout, vectors)
    summary.update(total_s=round(time.perf_counter() - started, 1), cpu_s=round(time.process_time() - cpu, 1))
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
        return 0
    print(f"{args.split}: {summary['users']} users, {summary['items']} items, {len(df)} interactions"
          f"{'' if vectors is not None else ' (no product vectors: the hybrid cannot score never-bought items)'}")
    print(f"{'model':<12}{'Recall@20':>10}{'NDCG@10':>10}{'NDCG@20':>9}{'HR@10':>8}{'Cov@20':>8}{'Gini@20':>8}"
          f"{'AvgPop':>8}{'Novelty':>8}{'val NDCG':>9}{'tune s':>8}{'fit s':>8}{'ms/user':>8}")
    for r in results:
        val = "-" if r.get("val_ndcg@10") is None else f"{r['val_ndcg@10']:.4f}"
        print(f"{r['model']:<12}{r['recall@20']:>10.4f}{r['ndcg@10']:>10.4f}{r['ndcg@20']:>9.4f}{r['hr@10']:>8.4f}"
              f"{r['coverage@20']:>8.3f}{r['gini@20']:>8.3f}{r['avg_popularity@20']:>8.1f}{r['novelty@20']:>8.2f}"
              f"{val:>9}{r['tune_s']:>8.1f}{r['fit_s']:>8.1f}{r['score_ms_per_user']:>8.3f}")
    for r in results:
        print(f"  {r['model']}: {json.dumps(r['config'])}")
    for r in results:
        if "replaced@20" in r:
            print(f"  {r['model']} vs hybrid, per user: {r['replaced@10']:.2f} of the top 10 and {r['replaced@20']:.2f} "
                  f"of the top 20 replaced on average, {r['users_changed@20']:.1%} of users' top 20 changed, at most "
                  f"{r['max_replaced@20']}")
    cold = summary.get("cold_start")
    if cold:
        print(f"cold start (cutoff {cold['cutoff_days']:g} days before the last purchase; models refitted on "
              f"{cold['train_interactions']} earlier interactions, same configs):")
        print(f"{'model':<12}{'new items R@20':>15}{'NDCG@10':>9}{'users':>7}   "
              f"{'new customers R@20':>19}{'NDCG@10':>9}{'users':>7}")
        for a, b in zip(cold["new_items"], cold["new_customers"]):
            print(f"{a['model']:<12}{a['recall@20']:>15.4f}{a['ndcg@10']:>9.4f}{a['users']:>7}   "
                  f"{b['recall@20']:>19.4f}{b['ndcg@10']:>9.4f}{b['users']:>7}")
    print(f"tune + fit + evaluate: {summary['total_s']} s wall, {summary['cpu_s']} s CPU "
          f"(tuning budget {budget} s)")
    return 0


def _product_vectors(settings) -> dict | None:
    """The current build's product vectors (the hybrid's content for never-bought items), or None."""
    from assistant.artifacts import product_vectors
    vectors = product_vectors(settings)
    if vectors is None:
        logging.getLogger(__name__).warning("no build in %s: evaluating without product vectors", settings.index_dir)
    return vectors


def _eval_ab(args, settings) -> int:
    from assistant.chat.store import Store
    from assistant.experiments.report import ab_report, format_report
    report = ab_report(Store(args.db or settings.state_db), settings)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def cmd_simulate_ab(args, settings) -> int:
    from assistant.experiments.simulate import format_simulation, simulate
    result = simulate(args.data or settings.data_dir, settings, arms=tuple(args.arms.split(",")),
                      lift=settings.ab_target_lift if args.lift is None else args.lift, runs=args.runs,
                      db_runs=args.db_runs, seed=args.seed)
    print(json.dumps(result, indent=2) if args.json else format_simulation(result))
    return 0


def _eval_router(args, settings) -> int:
    from assistant.artifacts import ShopIndex
    from assistant.chat.route_eval import read_eval_set, summarise
    from assistant.chat.router import Router
    from assistant.chat.short_request import CatalogTerms
    from assistant.resources import ROUTER_DEV, ROUTER_TEST
    path = args.data or {"dev": ROUTER_DEV, "test": ROUTER_TEST}[args.set]
    rows = read_eval_set(path)
    try:
        products = ShopIndex.open(settings).products
        catalog = CatalogTerms.from_titles(products["title"], products["category"])
    except IndexMismatch as e:
        print(f"note: no catalog words for short requests ({e})", file=sys.stderr)
        catalog = None
    llm = None
    if args.llm:
        from assistant.models.gate import gate_for
        from assistant.models.registry import create
        llm = gate_for(create("llm", settings.llm_backend, settings=settings), settings)
        llm.warm_up()
    router = Router(settings, llm=llm, catalog=catalog)
    router.route("warm up")
    routes = [router.route(r["text"], has_products=True) for r in rows]
    report = summarise(rows, [(r.intent, r.source, r.ms) for r in routes])
    report["calibration"] = router.calibration
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    print(f"router on {report['n']} messages ({path}); LLM path {'on' if args.llm else 'off'}")
    print(f"accuracy {report['accuracy']:.4f}; by language " +
          ", ".join(f"{k} {v:.4f}" for k, v in report["by_lang"].items()))
    for label, share in report["by_label"].items():
        langs = ", ".join(f"{k} {v:.4f}" for k, v in report["by_label_lang"][label].items() if v is not None)
        print(f"  {label:<15} {share:.4f}   ({langs})")
    print("by kind: " + ", ".join(f"{k} {v:.2f}" for k, v in report["by_kind"].items()))
    oos = report["out_of_scope"]
    print(f"out of scope: precision {oos['precision']}, recall {oos['recall']} "
          f"({oos['declined']} declined, {oos['off_topic']} off-topic); calibration {router.calibration}")
    short = [lab[:9] for lab in report["labels"]]
    print(" " * 15 + "".join(f"{s:>10}" for s in short) + "   <- routed")
    for label, row in zip(report["labels"], report["confusion"]):
        print(f"{label:>15}" + "".join(f"{v:>10}" for v in row))
    for path_name, lat in report["latency_ms"].items():
        print(f"latency {path_name} path: n={lat['n']} p50 {lat['p50']} ms, p95 {lat['p95']} ms")
    for e in report["errors"]:
        print(f"  wrong: {e['text']!r} is {e['label']} ({e['kind']}), routed to {e['routed']} by {e['source']}")
    return 0


def _eval_insights(args, settings) -> int:
    """Blind staff questions (JSONL, answers from hand-written SQL): exact / clarified / wrong; a CSV: parse accuracy."""
    import functools

    from assistant.artifacts import ShopIndex
    from assistant.search.money import format_price
    from assistant.segments.insights import Insights
    from assistant.segments.staff_eval import eval_set, evaluate_insights, parse_accuracy
    index = ShopIndex.open(settings)
    insights = Insights(index.folder, index.as_of, settings.k_anonymity,
                        functools.partial(format_price, currency=index.currency, grouped=True))
    if args.llm:
        from assistant.models.gate import gate_for
        from assistant.models.registry import create
        from assistant.prompts import prefix
        from assistant.segments.llm_parse import PROMPT_VALUES, LLMQueryFiller
        gate = gate_for(create("llm", settings.llm_backend, settings=settings), settings)
        gate.warm_up()
        gate.warm({"staff": prefix("staff_query", **PROMPT_VALUES)})   # its static prefix, as the app warms it
        insights.llm_parser = LLMQueryFiller(gate, insights.vocabulary, index.as_of, settings.staff_llm_timeout_s)
    path = args.data or eval_set(args.set)
    if str(path).endswith(".csv"):
        report = parse_accuracy(insights.parser, path)
        if args.json:
            print(json.dumps(report, indent=2, ensure_ascii=False))
            return 0
        print(f"staff question parsing accuracy {report['accuracy']:.4f} on {report['n']} questions")
        for e in report["errors"]:
            print(f"  row {e['row']}: {e['question']!r}\n    expected {e['expected']}\n    got      {e['got']}")
        return 0
    report = evaluate_insights(insights, path)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False, default=str))
        return 0
    print(f"staff insights on {report['n']} questions ({path.name}): exact {report['exact']}, "
          f"clarified {report['clarified']}, wrong {report['wrong']}; exact among answerable "
          f"{report['exact_of_answerable']:.1%}; right reading among the choices of {report['choice_right']} of "
          f"{report['clarified_answerable']} clarified answerable; LLM {'on' if args.llm else 'off'}; "
          f"p50 {report['p50_ms']} / p95 {report['p95_ms']} ms")
    for key in ("by_lang", "by_expect", "by_typo"):
        for value, r in report[key].items():
            print(f"  {key[3:]}={value}: n={r['count']} exact={r['exact']} clarified={r['clarified']} wrong={r['wrong']}"
                  f" (exact among answerable {r['exact_of_answerable']:.1%})")
    for item in report["items"]:
        if item["verdict"] == "wrong" or (item["verdict"] == "clarified" and item["expect"] == "answer"):
            print(f"  {item['verdict']}: {item['id']} {item['question']!r} -> {item['reading'] or item['answer']}")
    return 0


def _eval_search(args, settings) -> int:
    from assistant.artifacts import ShopIndex
    from assistant.chat.constraints import parse_constraints
    from assistant.search.ranker import Ranker
    from assistant.search.evaluate import JUDGMENTS, REQUESTS, evaluate, load_judged
    judged = load_judged(args.requests or REQUESTS, args.judgments or JUDGMENTS)
    index = ShopIndex.open(settings)
    ranker = Ranker(index)
    ids = ranker.catalog.item_ids

    def filters(text):   # the same code-parsed filters (price, colour, stock) for every system
        return parse_constraints(text, ranker.catalog.categories).filters.mask(ranker.catalog)

    def ours(text):
        c = parse_constraints(text, ranker.catalog.categories)
        result = ranker.recommend(text, filters=c.filters, n=5, strategy="content")
        return [r.item_id for r in result.items], result.no_match, len(result.matched)   # the rest: alternatives

    def bm25(text):
        rows, _ = index.lexical.top(text, 5, filters(text))
        return [ids[r] for r in rows], len(rows) == 0

    def embeddings(text):
        _, rows = index.vector_index.search(index.embedder.query(text), 5, filters(text))
        return [ids[r] for r in rows[0] if r >= 0], False

    systems = {"ranker": ours, "bm25": bm25, "embeddings": embeddings}
    if index.multilingual is not None:      # the second (multilingual-e5, titles) index alone, every request
        def embeddings_e5(text):
            return [ids[r] for r in index.multilingual.top(text, 5, filters(text))], False
        systems["embeddings-e5"] = embeddings_e5
    gate = None
    if args.llm:                    # the ranker again, with the LLM's constrained-JSON type expansion
        from assistant.models.gate import gate_for
        from assistant.models.registry import create
        gate = gate_for(create("llm", settings.llm_backend, settings=settings), settings)
        gate.warm_up()
        timeout = args.expand_timeout_s or settings.llm_expand_timeout_s or 5.0

        def ours_llm(text):
            c = parse_constraints(text, ranker.catalog.categories)
            request = ranker.understand(text)
            ranker.expand(request, gate.json, timeout)
            result = ranker.recommend(text, filters=c.filters, n=5, strategy="content", request=request)
            return [r.item_id for r in result.items], result.no_match, len(result.matched)
        systems["ranker+llm"] = ours_llm
    report = evaluate(judged, systems, k=5)
    if gate is not None:
        report["expand_calls"] = gate.stats().get("expand", {})
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    print(f"{report['requests']} judged requests ({report['no_match_requests']} with no relevant product); "
          f"precision@5 counts grade >= {report['relevant_grade']} as relevant")
    print(f"{'system':<14}{'NDCG@5':>8}{'P@5':>8}{'honest no-match':>17}{'false no-match':>16}")
    for name, m in report["systems"].items():
        honest = "-" if m["honest_no_match"] is None else f"{m['honest_no_match']:.2f}"
        print(f"{name:<14}{m['ndcg@5']:>8.4f}{m['precision@5']:>8.4f}{honest:>17}{m['false_no_match']:>16.2f}")
    base = report["systems"]["bm25"]["ndcg@5"]
    print(f"ranker / BM25 NDCG@5: {report['systems']['ranker']['ndcg@5'] / base:.2f}x" if base else "")
    kinds = report["systems"]["ranker"]["ndcg_by_kind"]
    print("NDCG@5 by kind: " + "; ".join(f"{kind} " + "/".join(f"{report['systems'][s]['ndcg_by_kind'].get(kind, 0):.2f}"
                                                          for s in report["systems"]) for kind in kinds)
          + f"  ({'/'.join(report['systems'])})")
    for name, m in report["systems"].items():
        share = m["relevant_share"]
        print(f"{name}: relevant in the top 5 (grade>=1 / >=2), of 5 slots {share['>=1']:.1%} / {share['>=2']:.1%}, "
              f"of products offered as matches {share['>=1 shown']:.1%} / {share['>=2 shown']:.1%}; by kind (of offered): "
              + "; ".join(f"{kind} {v['>=1 shown']:.0%}/{v['>=2 shown']:.0%}"
                          for kind, v in m["relevant_share_by_kind"].items()))
    scored = [r for r in report["per_request"] if not r["no_match_request"]]
    for name in report["systems"]:
        fewer = sum(r[name]["shown"] < min(5, len(r[name]["ranked"])) for r in scored)
        if fewer:
            print(f"{name}: offers fewer matches than it shows on {fewer} of {len(scored)} requests "
                  f"(the rest of its top 5 labelled alternatives)")
    if gate is not None:
        print(f"LLM expansion calls (gate record, ms): {report['expand_calls']}")
    return 0


def cmd_export_audience(args, settings) -> int:
    from assistant.artifacts import ShopIndex
    from assistant.chat.engine import Services
    from assistant.chat.staff import export_audience
    n = export_audience(Services(settings, ShopIndex.open(settings)), args.segment, args.out, args.products)
    print(f"exported {n} customer ids of segment {args.segment!r} with {args.products} products each -> {args.out}")
    return 0


def cmd_serve_llm(args, settings) -> int:
    """Run the LLM server in the foreground until Ctrl-C; the app reaches it with the `openai` backend."""
    from assistant.errors import LLMUnavailable
    from assistant.models.server import start_server, stop_server, wait_ready
    url = f"http://{args.host}:{args.port}/v1"
    try:
        proc = start_server(settings, args.port, args.parallel, args.host, args.engine)
    except LLMUnavailable as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        seconds = wait_ready(url, timeout_s=300, proc=proc)
        print(f"{args.engine} ready in {seconds:.1f} s at {url} ({args.parallel} slots). Point the app at it:\n"
              f"  SHOP_LLM_BACKEND=openai SHOP_LLM_BASE_URL={url} SHOP_LLM_PARALLEL={args.parallel} python app.py",
              flush=True)
        return proc.wait()
    except LLMUnavailable as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    finally:
        stop_server(proc)


COMMANDS = {"import": cmd_import, "demo-data": cmd_demo_data, "build": cmd_build, "check": cmd_check,
            "eval": cmd_eval, "ask": cmd_ask, "simulate-ab": cmd_simulate_ab,
            "export-audience": cmd_export_audience, "serve-llm": cmd_serve_llm}
