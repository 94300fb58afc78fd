"""Colour words: the one list of colour values a product's `colour` attribute can take, and what shoppers
write for them (synonyms, Chinese).

    COLOURS                    # ('red', 'pink', ..., 'turquoise'): attribute values, in match order
    COLOUR_WORDS["灰"]          # 'grey'; COLOUR_WORDS["gray"] -> 'grey'
"""
from __future__ import annotations

COLOURS = ("red", "pink", "blue", "white", "black", "green", "ivory", "cream", "silver", "gold",
           "purple", "yellow", "brown", "orange", "grey", "turquoise")
COLOUR_WORDS = {**{c: c for c in COLOURS}, "gray": "grey",
                "红": "red", "粉": "pink", "蓝": "blue", "白": "white", "黑": "black", "绿": "green", "紫": "purple",
                "黄": "yellow", "金": "gold", "银": "silver", "棕": "brown", "橙": "orange", "灰": "grey"}
