"""The customer's own business with a courier: another company's service, even though couriers carry our parcels.

    courier_own_business("my DPD account won't let me reset the password")     # True: their account with DPD
    courier_own_business("I posted a card to my aunt with Royal Mail and it's lost")  # True: a parcel they sent
    courier_own_business("DPD says delivered but my order isn't here")          # False: our parcel, our question
    courier_own_business("我用顺丰寄的包裹丢了")                                   # True
    courier_own_business("I sent my return back with Evri, where is my refund")  # False: a return to us

Couriers (resources/couriers.txt) are left out of resources/other_companies.txt because "Evri lost my
parcel" is usually the shop's parcel and the shop's question. Two shapes are not: the customer's own
account with the courier (sign-in, password, "my Royal Mail account") and a parcel the customer sent
themselves (posted, sent, 寄的/寄件) - unless it is a return on its way back to the shop. The router declines those like another company's service.
"""
from __future__ import annotations

import re
from pathlib import Path

from assistant.resources import COURIERS


def courier_pattern(path: Path = COURIERS) -> str:
    names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


_NAME = courier_pattern()
_ACCOUNT = (rf"(?:my|an?) (?:{_NAME}) (?:account|login|password)\b"
            rf"|(?<![a-z])(?:{_NAME})(?![a-z]).{{0,30}}\b(?:log ?in|sign ?in|password|account)\b"
            r"|\b(?:log ?in|sign ?in|password|account)\b.{0,30}(?:" + _NAME + r")(?![a-z])")
_SENT = r"\bI(?:'ve| have)? (?:posted|sent|am sending|dropped off)\b|寄的|寄出的|寄件|我寄"
RETURNING = re.compile(r"(?i)\b(?:return(?:ed|ing)?|refund|back to you|sent (?:it|them) back)\b|退|换货")
OWN_ACCOUNT = re.compile(_ACCOUNT, re.I)
SENT_BY_CUSTOMER = re.compile(_SENT, re.I)
NAMED = re.compile(rf"(?<![a-z])(?:{_NAME})(?![a-z])", re.I)


def courier_own_business(text: str) -> bool:
    """A courier is named and the message is about the customer's account with it or a parcel they sent."""
    if not NAMED.search(text):
        return False
    sent = SENT_BY_CUSTOMER.search(text) and not RETURNING.search(text)    # a return they sent us is ours
    return bool(OWN_ACCOUNT.search(text) or sent)
