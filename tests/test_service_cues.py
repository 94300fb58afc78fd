"""Service cues and plain situations of a purchase already made (chat/service_cues.py), English and Chinese."""
from __future__ import annotations

import pytest

from assistant.chat.service_cues import bought_situation, has_service_cue


@pytest.mark.parametrize("text,expected", [
    ("my discount code is rejected at checkout", True), ("it keeps signing me out", True),
    ("can you put my parcel somewhere safe", True), ("我要开发票", True), ("包邮吗", True),
    ("population of wales", False), ("write a poem about autumn", False), ("明天会下雨吗", False),
])
def test_service_cue(text, expected):
    assert has_service_cue(text) is expected


@pytest.mark.parametrize("text,expected", [
    # a purchase on its way: an order question, whatever product it names
    ("when will the salad bowls I ordered arrive, I need them by Friday", "order"),
    ("我买的那个花瓶什么时候能到", "order"),
    ("上个月订的灯串还没到", "order"),
    # arrived damaged, faulty, incomplete, or goes back: returns (policy)
    ("the jug arrived cracked, what do I do", "policy"),
    ("my teapot got here in bits", "policy"),
    ("收到的碗碎了两个", "policy"),
    ("the night light stopped working after a week", "policy"),
    ("拼图少了一块，能补发吗", "policy"),
    # praise or a review of a purchase
    ("delighted with my order, where can I leave 5 stars", "policy"),
    ("包装很仔细，好评", "policy"),
    # asks for products: a product request even though it mentions a past purchase
    ("the last lanterns I bought broke quickly, do you have sturdier ones", None),
    ("之前买的杯子碎了，有没有更结实的", None),
    # nothing bought
    ("how do I cancel", None), ("I want to buy a lamp, when can it arrive", None),
])
def test_bought_situation(text, expected):
    assert bought_situation(text) == expected
