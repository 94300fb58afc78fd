"""Words of a customer's dealings with the shop, and the situations they make plain.

    has_service_cue("want to change quantity on my napkins order")    # True: an order of theirs
    has_service_cue("population of wales")                            # False
    bought_situation("when will the cake stand I bought arrive")      # 'order': a bought thing on its way
    bought_situation("收到的盘子裂了怎么办")                            # 'policy': damaged on arrival
    bought_situation("happy with my order, where do I leave 5 stars") # 'policy': a review of a purchase
    bought_situation("my last candles burnt fast, any longer ones?")  # None: asks for products

`has_service_cue` says whether a message carries a word of an order's life, a payment, an account,
delivery, an invoice, a return, damage or asking for a person (English and Chinese). It decides
nothing alone: the router declines such a message only above its own threshold, calibrated on the
utterances that carry a cue (chat/router.py), because "payment" or "account" also occur in banking.

`bought_situation` recognises two plain situations of a purchase already made, whatever products it
names: the customer asks when it arrives or where it is (an order question), or it came damaged,
broken, faulty or incomplete (or it stopped working, or goes back), or the customer praises it or wants to review it (a returns or
reviews question: policy). A message that asks for products ("do you
have", "any ... ones", "有没有", "推荐") is a product request even when it mentions a past purchase.
"""
from __future__ import annotations

import re

SERVICE_CUE = re.compile(
    r"(?i)\b(?:orders?|ordered|my (?:parcel|package|delivery|account|basket|refund|return|payment)"
    r"|checkout|check out|pay|paying|paid|payment|card|discount|promo|voucher|coupon"
    r"|log(?:ged|ging|s)? (?:me |you )?(?:in|out)|sign(?:ed|ing|s)? (?:me |you )?(?:in|out|up)|password|account"
    r"|deliver(?:y|ed|ies)?|shipping|postage|dispatch(?:ed)?|tracking|parcel|courier|collect|next.day"
    r"|invoice|receipt|refund|return|exchange|replacement|address|postcode"
    r"|human|agent|representative|real person|someone|somebody|live chat|customer service"
    r"|broken|damaged|cracked|smashed|faulty|missing|defective|review|stars)\b"
    r"|订单|下单|单号|发货|快递|物流|包裹|到货|没到|收到|配送|包邮|运费|邮费|自提|次日达|退|换货|发票|开票|付款|支付"
    r"|结账|优惠|折扣|账号|账户|登录|注册|密码|会员|积分|人工|客服|真人|地址|取消|坏了|碎|少了|漏发|评价|好评|差评|投诉")

# A purchase already made: "I bought/ordered", "the X I got", "我买的", "订的", "下单的".
BOUGHT = re.compile(r"(?i)\bI (?:bought|ordered|purchased|paid for)\b|\b(?:bought|ordered|purchased) (?:from you|it|them|on|last|yesterday)\b"
                    r"|(?<![想要去能])买的|订的|下单的|下的单|购买的")
ARRIVAL = re.compile(r"(?i)\b(?:arrive[sd]?|arriving|turn(?:ed)? up|get here|come(?! in\b)|coming|delivered|dispatched|shipped"
                     r"|where is|where are|still (?:not|hasn't|haven't|isn't|aren't)|not (?:here|arrived)|by (?:mon|tues|wednes|thurs|fri|satur|sun)day)\b"
                     r"|什么时候(?:能)?(?:到|送到|发货)|(?:还)?没(?:有)?(?:到|收到|发货)|到哪|到了吗|发货了吗")
DAMAGED = re.compile(r"(?i)\b(?:arrived|came|turned up|showed up|got here|got to me|was delivered|were delivered|received|opened)\b.{0,40}\b(?:broken|smashed|shattered|cracked|damaged"
                     r"|in pieces|in bits|chipped|faulty|missing|not working|doesn't work|dead)\b"
                     r"|\b(?:broken|smashed|shattered|cracked|damaged|chipped) (?:on|when|in) (?:arrival|delivery|the post|transit)\b"
                     r"|收到.{0,12}(?:碎|坏|裂|破|不亮|少了|缺)|(?:摔|压)(?:碎|坏)|到货.{0,6}(?:碎|坏|破)")
# Something bought is faulty or incomplete, or goes back: "stopped working", "missing parts", "少了一个", "补发".
DEFECT = re.compile(r"(?i)\b(?:missing (?:parts?|pieces?|bits?|screws?)|(?:doesn't|don't|won't|didn't|does not|do not|no longer) "
                    r"(?:work|light up|switch on|turn on)|stopped working|faulty|defective|send (?:it|them|this|these) back)\b"
                    r"|少了(?:一|个|件|配件)|缺了|不亮了|用了.{0,4}就坏|补发|补寄")
REVIEW = re.compile(r"(?i)\b(?:(?:leave|write|give|post|add)(?: you)? (?:a |an |my )?(?:\w+ )?(?:review|rating|feedback|stars?)"
                    r"|[1-5] stars?|five stars?|(?:love[sd]?|adored?|(?:happy|pleased|delighted|thrilled) with) (?:my|our|the) (?:order|purchase|parcel|delivery))\b"
                    r"|好评|差评|五星|写评价|给评价|(?:很|非常|挺|特别|还是很)满意")
ASKS_FOR_PRODUCTS = re.compile(r"(?i)\b(?:do you (?:have|sell|do|stock)|have you got|any (?:\w+ )?(?:ones|alternatives|others)"
                               r"|recommend|suggest|something (?:sturdier|better|longer|stronger))\b"
                               r"|有没有|有没|推荐|同款|别的款")


def has_service_cue(text: str) -> bool:
    """A word of the customer's dealings with the shop (see the module docstring)."""
    return bool(SERVICE_CUE.search(text))


def bought_situation(text: str) -> str | None:
    """'order' (a bought thing: when does it come), 'policy' (it came damaged; a review) or None (see the docstring)."""
    if ASKS_FOR_PRODUCTS.search(text):
        return None
    if DAMAGED.search(text) or DEFECT.search(text) or REVIEW.search(text):
        return "policy"
    if BOUGHT.search(text) and ARRIVAL.search(text):
        return "order"
    return None
