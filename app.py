"""The shop's web app: shopper chat (products + service) and a staff tab. Thin: logic is in assistant/.

    python app.py                      # http://127.0.0.1:7860 (SHOP_PORT / SHOP_HOST to change)
    SHOP_LLM_BACKEND=none python app.py   # template answers only, no model load
    SHOP_STAFF_PASSWORD=... python app.py # else the first start generates a staff password and prints it once
"""
from __future__ import annotations

import logging
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")   # before torch is imported anywhere

import gradio as gr  # noqa: E402

from assistant.access import StaffAccess  # noqa: E402
from assistant.chat.engine import Assistant  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.privacy import install_log_redaction  # noqa: E402
from assistant.segments.nlq import MAX_CHOICES  # noqa: E402
from assistant.webapp import ANONYMOUS, ChatState, StaffSession, WebApp  # noqa: E402

CSS = """
.cards {display: flex; flex-wrap: wrap; gap: 10px;}
.card {border: 1px solid #ddd; border-radius: 8px; padding: 10px; width: 220px; background: #fafafa;}
.card .title {font-weight: 600;} .card .price {font-size: 1.2em; color: #2a6f2a;}
.card .meta {color: #666; font-size: 0.85em;} .card ul.why {padding-left: 16px; font-size: 0.85em; margin: 4px 0;}
.chip {display: inline-block; border: 1px solid #bbb; border-radius: 12px; padding: 2px 8px; margin: 4px 4px 0 0;
       font-size: 0.85em; cursor: pointer; background: #fff;}
.card .actions {display: flex; gap: 6px; margin-top: 6px;}
.card button.act {border: 1px solid #bbb; border-radius: 6px; padding: 2px 8px; cursor: pointer; background: #fff;}
.offscreen {position: absolute !important; left: -10000px !important; width: 1px; height: 1px; overflow: hidden;}
"""


# Chips send their text as the next message; card buttons send "cart:<id>" / "up:<id>" / "down:<id>" through an
# off-screen textbox + button (Gradio HTML cannot call Python itself).
CLICKS = """
<script>
document.addEventListener("click", (event) => {
  const fill = (selector, value) => {
    const box = document.querySelector(selector);
    box.value = value;
    box.dispatchEvent(new Event("input", {bubbles: true}));
  };
  const chip = event.target.closest("#cards [data-send]");
  if (chip) {
    fill("#message textarea", chip.dataset.send);
    setTimeout(() => document.querySelector("#send").click(), 50);
    return;
  }
  const act = event.target.closest("#cards [data-action]");
  if (act) {
    fill("#card_action textarea", act.dataset.action);
    setTimeout(() => document.querySelector("#card_action_go").click(), 50);
  }
});
</script>
"""


def build_ui(web: WebApp) -> gr.Blocks:
    with gr.Blocks(title="Shop assistant") as demo:
        status = gr.Markdown(web.status(), elem_id="status")
        gr.Timer(2.0).tick(web.status, None, status, show_progress="hidden")
        with gr.Tabs():
            with gr.Tab("Shop", id="shop"):
                with gr.Row():
                    user = gr.Dropdown(web.customers(), value=ANONYMOUS, label="Signed in as", elem_id="user")
                chat_state = gr.State(ChatState())
                chatbot = gr.Chatbot(label="Assistant", elem_id="chatbot", height=420)
                cards = gr.HTML(elem_id="cards")
                with gr.Row():
                    box = gr.Textbox(placeholder="Ask for gift ideas, delivery, returns or your orders...",
                                     show_label=False, scale=5, elem_id="message")
                    send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
                    stop = gr.Button("Stop", scale=1, elem_id="stop")
                note = gr.Markdown(elem_id="note")
                action = gr.Textbox(elem_id="card_action", elem_classes="offscreen", show_label=False)
                action_go = gr.Button("card action", elem_id="card_action_go", elem_classes="offscreen")
                gr.Examples(["gift ideas for a tea lover under £10", "what is your return policy?",
                             "where is my order?", "我想买一个红色的杯子"], inputs=box)

                def respond(message, history, user_choice, state):
                    for h, c, s in web.chat(message, history, user_choice, state):
                        yield h, c, s, ""

                outputs = [chatbot, cards, chat_state, box]
                submit = box.submit(respond, [box, chatbot, user, chat_state], outputs, api_name=False)
                click = send.click(respond, [box, chatbot, user, chat_state], outputs, api_name=False)
                stop.click(None, None, None, cancels=[submit, click])
                def rate(state: ChatState, data: gr.LikeData) -> str:
                    index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
                    return web.feedback(state, int(index), "up" if data.liked else "down")

                chatbot.like(rate, [chat_state], note, api_name=False)
                action_go.click(web.card_action, [chat_state, action], note, api_name=False)
                user.change(lambda: ([], "", ChatState()), None, [chatbot, cards, chat_state], api_name=False)

            with gr.Tab("Staff", id="staff"):
                session = gr.State(StaffSession())
                with gr.Row():
                    password = gr.Textbox(type="password", label="Staff password", elem_id="password")
                    sign_in = gr.Button("Sign in", elem_id="signin")
                signed = gr.Markdown(elem_id="signed")
                question = gr.Textbox(label="Ask about customers and sales",
                                      placeholder="top 5 countries by revenue last quarter", elem_id="question")
                ask = gr.Button("Ask", variant="primary", elem_id="ask")
                narrative = gr.Markdown(elem_id="narrative")
                with gr.Row(elem_id="choices"):
                    choices = [gr.Button(visible=False, size="sm", elem_classes=["choice"])
                               for _ in range(MAX_CHOICES)]
                bar = gr.BarPlot(x="group", y="value", visible=False, elem_id="bar", sort=None)
                line = gr.LinePlot(x="group", y="value", visible=False, elem_id="line")
                table = gr.Dataframe(label="Rows", elem_id="rows", interactive=False)
                download = gr.DownloadButton("Download CSV", visible=False, elem_id="csv")
                parsed = gr.JSON(label="What was computed (parsed query)", elem_id="parsed")
                gr.Examples(["customers by segment", "top 5 countries by revenue last quarter",
                             "share of revenue from the top 10% of customers", "repeat purchase rate in the UK",
                             "revenue last month vs the previous month", "best-selling products among champions"],
                            inputs=question)
                gr.Markdown("### Segment overview")
                overview_note = gr.Markdown(elem_id="overview_note")
                overview_plot = gr.BarPlot(x="group", y="value", title="customers by segment", sort=None,
                                           elem_id="overview_plot")
                overview_table = gr.Dataframe(label="Segments", interactive=False, elem_id="overview")
                gr.Markdown("### A/B experiment (`SHOP_AB_STRATEGIES`)")
                ab_note = gr.Markdown(elem_id="ab_note")
                ab_plot = gr.BarPlot(x="group", y="value", title="conversion per arm (%)", sort=None,
                                     elem_id="ab_plot")
                ab_table = gr.Dataframe(label="Arms (95% intervals)", interactive=False, elem_id="ab_table")
                ab_refresh = gr.Button("Refresh experiment", size="sm", elem_id="ab_refresh")
                ab_refresh.click(web.experiment, [session], [ab_note, ab_table, ab_plot], api_name=False)

                def show(text, sess):
                    view = web.insight(text, sess)
                    kind = view.plot_kind if not view.plot.empty else ""
                    shown = view.choices + [""] * (MAX_CHOICES - len(view.choices))
                    return [view.narrative, view.parsed, view.table,
                            gr.BarPlot(value=view.plot, title=view.plot_title, visible=kind == "bar"),
                            gr.LinePlot(value=view.plot, title=view.plot_title, visible=kind == "line"),
                            gr.DownloadButton(value=view.csv_path, visible=view.csv_path is not None)] + [
                        gr.Button(value=choice, visible=bool(choice)) for choice in shown[:MAX_CHOICES]]

                outputs = [narrative, parsed, table, bar, line, download, *choices]
                sign_in.click(web.staff_sign_in, [password, session], [session, signed], api_name=False).then(
                    web.dashboard, [session], [overview_note, overview_table, overview_plot], api_name=False).then(
                    web.experiment, [session], [ab_note, ab_table, ab_plot], api_name=False)
                ask.click(show, [question, session], outputs, api_name=False)
                question.submit(show, [question, session], outputs, api_name=False)
                for button in choices:      # a clarifying choice is asked as the new question
                    button.click(lambda choice: choice, [button], [question], api_name=False).then(
                        show, [question, session], outputs, api_name=False)

        # Scripting / load-test API (same engine, no UI state): /ask and /feedback
        api_in = [gr.Textbox(visible=False), gr.Textbox(visible=False), gr.Textbox(visible=False)]
        api_out = gr.JSON(visible=False)
        gr.Button(visible=False).click(web.api_ask, api_in, api_out, api_name="ask")
        fb_in = [gr.Textbox(visible=False), gr.Number(visible=False), gr.Textbox(visible=False),
                 gr.Textbox(visible=False)]
        gr.Button(visible=False).click(web.api_feedback, fb_in, gr.JSON(visible=False), api_name="feedback")
        gr.Button(visible=False).click(lambda: web.llm_state, None, gr.Textbox(visible=False), api_name="llm_state")
    return demo


def main() -> None:
    install_log_redaction()                  # no e-mail, phone, card or IBAN in the app's logs
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.load()
    access = StaffAccess.from_settings(settings, announce=lambda line: print(line, flush=True))
    llm = None if settings.llm_backend == "none" else "auto"
    web = WebApp(Assistant.from_settings(settings, llm=llm), access)
    web.warm_up()
    web.load_llm_in_background()
    demo = build_ui(web)
    demo.queue(default_concurrency_limit=settings.concurrency)
    demo.launch(server_name=settings.host, server_port=settings.port, css=CSS, head=CLICKS, footer_links=["api"])


if __name__ == "__main__":
    main()
