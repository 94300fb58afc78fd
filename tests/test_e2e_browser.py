"""End to end: start the app, drive it in headless Debian Chromium with Playwright, check what the page shows."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.config import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() and os.environ.get("CI") != "true",
                                reason="Debian chromium not installed (make test installs it)")
STATE_DB: list[str] = []      # the running app's SQLite file, for tests that check what it stored
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(small_index, small_settings, tmp_path_factory):
    port = free_port()
    state_db = str(tmp_path_factory.mktemp("e2e") / "state.db")
    STATE_DB[:] = [state_db]
    env = {**os.environ, "SHOP_DATA_DIR": str(small_settings.data_dir), "SHOP_INDEX_DIR": str(small_settings.index_dir),
           "SHOP_STATE_DB": state_db, "SHOP_LLM_BACKEND": "none", "SHOP_STAFF_PASSWORD": "staff-demo",
           "SHOP_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    log = open(tmp_path_factory.mktemp("e2e-log") / "app.log", "w")
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"app exited early; see {log.name}")
            time.sleep(1)
    else:
        proc.kill()
        raise RuntimeError("app did not start in 180 s")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def page(app_url, tmp_path_factory):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page(viewport={"width": 1280, "height": 1600})
        pg.set_default_timeout(60_000)
        pg.goto(app_url)
        pg.wait_for_selector("#message textarea")
        yield pg
        pg.screenshot(path=str(tmp_path_factory.getbasetemp() / "e2e-last.png"), full_page=True)
        browser.close()


def send(page, text: str) -> None:
    page.fill("#message textarea", text)
    page.click("#send")


def last_bot_text(page) -> str:
    return page.locator("#chatbot .message-row.bot-row, #chatbot [data-testid='bot']").last.inner_text()


def test_product_question_shows_cards_and_answer(page):
    send(page, "heart t-light holder under £5")
    page.wait_for_selector("#cards .card")
    cards = page.locator("#cards .card")
    assert cards.count() >= 3
    first = cards.first.inner_text()
    assert "£" in first and "in stock" in first
    page.wait_for_function("document.querySelector('#chatbot').innerText.includes('Here are')")
    assert "Here are" in page.locator("#chatbot").inner_text()


def test_card_buttons_and_chips_are_clickable(page):
    """Per-card add-to-cart and thumbs buttons store feedback; a follow-up chip sends its text."""
    import sqlite3
    page.wait_for_selector("#cards .card button.cart")
    first = page.locator("#cards .card").first
    item = first.get_attribute("data-item")
    first.locator("button.cart").click()
    page.wait_for_function("document.querySelector('#note').innerText.includes('to your cart')")
    first.locator("button.down").click()
    page.wait_for_function("document.querySelector('#note').innerText.includes('do not like')")
    with sqlite3.connect(STATE_DB[0]) as db:
        kinds = [r[0] for r in db.execute("SELECT kind FROM feedback WHERE item_id=? ORDER BY id", (item,))]
    assert kinds == ["add_to_cart", "down"]
    before = page.locator("#chatbot .message-row.user-row, #chatbot [data-testid='user']").count()
    page.locator("#cards .chips button.chip", has_text="cheaper").click()
    page.wait_for_function(f"document.querySelectorAll(\"#chatbot .message-row.user-row, #chatbot [data-testid='user']\")"
                           f".length > {before}")
    assert "cheaper" in page.locator("#chatbot .message-row.user-row, #chatbot [data-testid='user']").last.inner_text()


def test_returns_question_shows_policy_with_citation(page):
    send(page, "how many days do I have to return something?")
    page.wait_for_function("document.querySelector('#chatbot').innerText.includes('returns.md#return-window')")
    text = page.locator("#chatbot").inner_text()
    assert "30 days" in text


def test_staff_question_needs_sign_in_then_shows_table_chart_and_query(page):
    page.get_by_role("tab", name="Staff").click()
    page.fill("#question textarea", "revenue by segment")
    page.click("#ask")
    page.wait_for_function("document.querySelector('#narrative').innerText.includes('Sign in as staff')")
    page.fill("#password input", "staff-demo")
    page.click("#signin")
    page.wait_for_function("document.querySelector('#signed').innerText.includes('Signed in')")
    page.wait_for_function("document.querySelector('#overview').innerText.includes('net revenue')")  # on sign-in
    page.click("#ask")
    page.wait_for_function("document.querySelector('#narrative').innerText.includes('Net revenue by segment')")
    page.wait_for_selector("#bar canvas, #bar svg")
    assert "£" in page.locator("#rows").inner_text() and "segment" in page.locator("#parsed").inner_text()
    assert page.locator("#csv").is_visible()


def test_staff_clarifying_question_shows_choices_as_buttons(page):
    page.get_by_role("tab", name="Staff").click()
    if not page.locator("#signed").inner_text().strip():
        page.fill("#password input", "staff-demo")
        page.click("#signin")
        page.wait_for_function("document.querySelector('#signed').innerText.includes('Signed in')")
    page.fill("#question textarea", "how is our churn")
    page.click("#ask")
    page.wait_for_function("document.querySelector('#narrative').innerText.includes('churn risk')")
    choice = page.locator("#choices button", has_text="how is our churn rate")
    choice.wait_for(state="visible")
    assert page.locator("#choices button", has_text="how is our churn risk").is_visible()
    choice.click()
    page.wait_for_function("document.querySelector('#narrative').innerText.includes('Read as: Churn rate')")
    assert page.locator("#question textarea").input_value() == "how is our churn rate"
