"""The customer's own business with a courier is another company's service (chat/couriers.py)."""
from __future__ import annotations

import pytest

from assistant.chat.couriers import courier_own_business


@pytest.mark.parametrize("text,expected", [
    ("can't get into my Evri account, the password reset link is dead", True),    # their account with a courier
    ("I sent a birthday parcel to my brother by Parcelforce and it vanished", True),  # a parcel they sent
    ("我在中通寄的东西三天没动了", True),
    ("Yodel says it was delivered but my order isn't here", False),                   # our parcel: ours to answer
    ("I posted my return with Royal Mail, when will the refund come", False),         # a return on its way to us
    ("我寄回去的退货你们收到了吗，用的顺丰", False),
    ("I posted a review yesterday", False),                                           # no courier named
])
def test_courier_own_business(text, expected):
    assert courier_own_business(text) is expected
