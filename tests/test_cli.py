"""The command line: import, check, build, ask --json, eval recs, with clear errors."""
from __future__ import annotations

import json
import shutil

import pytest

from assistant.cli import main


def test_import_check_build_and_ask(raw_sample, tmp_path, monkeypatch, capsys):
    shop = tmp_path / "shop"
    monkeypatch.setenv("SHOP_DATA_DIR", str(shop))
    monkeypatch.setenv("SHOP_INDEX_DIR", str(tmp_path / "indexes"))
    monkeypatch.setenv("SHOP_STATE_DB", str(tmp_path / "state.db"))
    assert main(["import", "online-retail", str(raw_sample), str(shop), "--parquet"]) == 0
    assert (shop / "products.parquet").exists()
    assert main(["check", str(shop)]) == 0
    assert main(["build", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "built indexes" in out and "products=" in out
    assert main(["build", "--if-stale"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["ask", "--no-llm", "--json", "white heart t-light holder under £5"]) == 0
    reply = json.loads(capsys.readouterr().out)
    assert reply["intent"] == "product_search" and reply["products"][0]["price"] <= 5
    assert {"intent", "text", "products", "citations", "timings_ms"} <= set(reply)
    assert all({"item_id", "title", "price", "evidence"} <= set(p) for p in reply["products"])


def test_check_reports_file_row_and_column(small_shop, tmp_path, capsys):
    shop = tmp_path / "shop"
    shutil.copytree(small_shop, shop)
    lines = (shop / "events.csv").read_text().splitlines()
    lines[5] = lines[5].replace("purchase", "bought", 1)
    (shop / "events.csv").write_text("\n".join(lines) + "\n")
    assert main(["check", str(shop)]) == 2
    assert "events.csv row 5, column 'event': 'bought' is not one of" in capsys.readouterr().err


def test_eval_recs_json(small_shop, capsys):
    assert main(["eval", "recs", "--interactions", str(small_shop / "events.csv"), "--models",
                 "popularity,ease,hybrid", "--tune-budget-s", "3", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["split"] == "temporal80" and [r["model"] for r in report["results"]] == ["popularity", "ease", "hybrid"]
    for r in report["results"]:
        assert {"recall@20", "ndcg@10", "hr@10", "coverage@20", "fit_s", "tune_s", "score_ms_per_user", "config"} <= set(r)
    hybrid = report["results"][2]              # tuned on a validation split: weights chosen, parts' configs kept
    assert hybrid["val_ndcg@10"] > 0 and hybrid["trials"] > 1 and "seq_weight" in hybrid["config"]


def test_missing_indexes_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SHOP_INDEX_DIR", str(tmp_path / "none"))
    assert main(["ask", "--no-llm", "hello"]) == 2
    assert "run `python -m assistant build`" in capsys.readouterr().err


def test_bad_role_is_rejected():
    with pytest.raises(SystemExit):
        main(["ask", "--role", "admin", "hi"])
