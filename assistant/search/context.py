"""Words that set the scene of a request, not the thing wanted: time, frequency, quantity, company, a new home.

    without_context("a big mug for my sister, she drinks 4 cups a day")   # 'a big mug for my sister, she drinks'
    without_context("having friends round on saturday, need napkins")     # ', need napkins'
    without_context("we need about 80 for the tables")                    # 'for the tables'
    without_context("a gift for friends who just got their first flat")   # 'a gift for friends who housewarming'
    without_context("cushions for the house")                             # 'cushions for the home' (a place)
    without_context("a mug for my aunt who walks to work")                # 'a mug for my aunt who walks'
    without_context("a small token for my neighbour")                     # 'a gift for my neighbour'

Read before any word of the request can be a product word (search/understand.py), like prices
(search/prices.py) and milestones: "every day", "twice a week", "4 cups a day", "next weekend", "on saturday"
say when or how often; "about 80", "for 30 guests", "a dozen" say how many; "having friends round", "people
coming over" say who comes. None of them names a thing to buy, yet their words are title words of a gift shop
(a Pancake *Day* magnet, a *round* cake tin, *Next Day* Carriage). What a rate counts is kept when it is a
substance ("3 cups of tea a day" keeps 'tea': the person drinks tea), its container and number are not.
A destination ("for his shed") needs the vocabulary and is read in understand.py (`_destination`).
This module never decides a product; it only removes phrases. English only: Chinese time words are grammar
the lexicon does not map (understand.ZH_FUNCTION_WORDS).
"""
from __future__ import annotations

import re

_NUM = (r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
        r"fifty|sixty|seventy|eighty|ninety|hundred|a hundred|a few|a couple(?: of)?|several|lots|loads|plenty|"
        r"a dozen|dozens|a lot|a couple)")
_PERIOD = r"(?:day|night|morning|evening|afternoon|week|weekend|fortnight|month|year|hour|season|term)s?"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|tonight|today)s?"
_WHEN = r"(?:every|each|per|all|most|some|one|these|those|the other|next|last|this|that|the whole|a whole|at the|on the|in the)"
_PEOPLE = (r"(?:friends|people|family|guests|folks|neighbours|neighbors|relatives|mates|colleagues|the girls|"
           r"the lads|the gang|everyone|everybody|visitors|company)")

# "4 cups a day", "two mugs of coffee every morning", "three times a week": the number and its unit go; a substance
# after 'of' stays ("of coffee" is what the person drinks), the period is read by FREQUENCY below.
RATE = re.compile(rf"\b{_NUM}\s+(?:[a-z]+\s+)?(?=(?:of\s+[a-z]+\s+)?(?:a|an|per|each|every)\s+(?:single\s+)?"
                  rf"{_PERIOD}\b)", re.I)
# the time phrase ends its clause: "a night light", "an evening bag", "a weekend bag" are things
_END = (r"(?=\s*(?:$|[,.!?;:)\-]|(?:and|or|but|so|for|to|with|i|we|she|he|they|it|please|too|as|in|at|on|from|of|"
        r"when|because|since|now|then|is|are|was)\b))")
FREQUENCY = re.compile(rf"\b(?:(?:once|twice|\w+ times)\s+)?(?:{_WHEN}|a|an|per)\s+(?:single\s+|other\s+)?"
                       rf"{_PERIOD}(?:\s+(?:round|long))?{_END}|\b(?:day|year)[- ](?:to|in)[- ]"
                       rf"(?:day|year)(?:[- ]out)?\b|\b(?:year|all year)[- ]round\b|\bnowadays\b", re.I)
WHEN = re.compile(rf"\b(?:on|by|for|before|until|till|from|this|next|last)?\s*{_WEEKDAY}\b|\b(?:in time for|by the)"
                  rf"\s+(?:{_PERIOD}|weekend)\b|\b(?:asap|in a hurry|at short notice)\b", re.I)
# "we need about 80", "for 30 guests", "enough for 12 people", "a dozen of them"
QUANTITY = re.compile(rf"\b(?:(?:we|i|they|you)(?:'ll|'d| will| would| do)?\s+)?(?:need|want|have|get|order|buy)"
                      rf"\s+(?:about|around|roughly|approximately|approx\.?|maybe|at least|up to|some)?\s*\d+\b"
                      rf"(?!\s*(?:£|\$|€|p\b|pounds?|quid|pence|years?|yrs?|yo\b|months?|weeks?))|"
                      rf"\b(?:enough\s+)?for\s+(?:about\s+|around\s+|up to\s+)?(?:\d+|{_NUM})\s+(?:people|guests|"
                      rf"kids|children|adults|of us|of them|friends|family)\b|\b{_NUM}\s+of (?:them|those|these)\b",
                      re.I)
# "having friends round", "people coming over", "when the family come round", "inviting the neighbours over"
COMPANY = re.compile(rf"\b(?:(?:having|have|has|had|invite|inviting|invited|hosting|got|getting|when|with)\s+)?"
                     rf"(?:(?:some|a few|the|my|our|his|her|their)\s+)?{_PEOPLE}\s+(?:(?:are|is|will be|come|comes|"
                     rf"coming|came|popping|pop)\s+)?(?:round|over|around|along)\b(?!\s+(?:the|a|my)\b)|"
                     rf"\b(?:come|comes|coming|popping|pop) (?:round|over)\b|\bget[- ]togethers?\b", re.I)

# A home as a life step: "their first place", "her own flat", "a new house", "moving in", "just bought a house" is a
# housewarming, not a thing called 'first', 'place' or 'own' ("First Class" luggage tags, place settings). The
# dwelling word ends its clause: "a new place mat" is a mat.
_DWELLING = r"(?:place|home|house|flat|apartment|pad|digs|bungalow|cottage|maisonette|condo)"
_HOME_VERB = r"(?:(?:just|recently|finally)\s+)?(?:bought|buying|buys|buy|got|gets|getting|renting|rented|found)"
HOME_STEP = re.compile(rf"\b(?:{_HOME_VERB}\s+)?(?:(?:their|his|her|my|our|your|a|the)\s+)?(?:very\s+)?(?:first(?:\s+ever)?|"
                       rf"own|new|brand[- ]new)\s+(?:own\s+)?{_DWELLING}(?:\s+together)?{_END}|"
                       rf"\b{_HOME_VERB}\s+(?:a|an|their|his|her|my|our)\s+{_DWELLING}(?:\s+together)?{_END}|"
                       rf"\b(?:moving|moved|moves|move)\s+(?:in(?:to)?|house|home|out)\b(?:\s+(?:(?:their|his|her|my|"
                       rf"our|your|a|the)\s+)?(?:(?:first|own|new)\s+)*{_DWELLING}\b)?(?:\s+together\b)?", re.I)
HOUSEWARMING = " housewarming "     # the occasion's own request word (request_words.csv, kind occasion)

# The dwelling as the place things go ("for the house", "around our flat") is the home, the idea of home things,
# never a title word ('Bird House', a 'House' doormat): read as "the home". A new one is HOME_STEP's housewarming.
_PLACE_DWELLING = r"(?:house|flat|apartment|place|bungalow|cottage|maisonette)"
HOME_PLACE = re.compile(rf"\b(?P<prep>for|in|around|round|about|across|throughout|to brighten up|to decorate)\s+"
                        rf"(?:the|my|our|his|her|their|your|a)\s+{_PLACE_DWELLING}{_END}", re.I)
HOME = r"\g<prep> the home"
# Where a person goes each day ("cycles to work", "walks to school", "on the way to the office"): the journey, not a
# thing; the activity word stays ('cycles' reads as the hobby). "a mug for work" keeps 'mug', loses only 'work'.
COMMUTE = re.compile(r"\b(?:to|from|at|for|after|before|on the way to)\s+(?:work|school|the office|uni|university|"
                     r"college|the station)\b(?!\s*(?:bag|desk|lunch|uniform|shoes?))", re.I)
# "something small", "a little something", "a small token/gift": the size of the gift (a modest present), not the
# size of a type: nothing of it is a product word.
SMALL_GIFT = re.compile(r"\b(?:(?:a\s+)?(?:small|little|tiny|wee)\s+(?:something|token|gift|present|treat)s?|"
                        r"something\s+(?:small|little|tiny))\b", re.I)
SOMETHING = " a gift "         # a small something is a present: the gift reading stays

PATTERNS = (RATE, FREQUENCY, WHEN, QUANTITY, COMPANY, COMMUTE)


def without_context(text: str) -> str:
    """The request without its time, frequency, quantity, company and commute phrases, a home as a life step read as
    the housewarming it is, the dwelling as a place as the home, a small gift as 'something'; other words untouched."""
    text = HOME_STEP.sub(HOUSEWARMING, text)
    text = HOME_PLACE.sub(HOME, text)
    text = SMALL_GIFT.sub(SOMETHING, text)
    for pattern in PATTERNS:
        text = pattern.sub(" ", text)
    return " ".join(text.split())
