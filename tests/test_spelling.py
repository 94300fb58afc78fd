"""spelling.py: edit distance, the one-nearest rule and glued words, on hand-checked cases."""
from assistant.segments.spelling import allowed_distance, edit_distance, nearest, split_glued, unglue_numbers


def test_edit_distance_counts_a_neighbouring_swap_as_one():
    assert edit_distance("germnay", "germany") == 1
    assert edit_distance("frnace", "france") == 1
    assert edit_distance("oders", "orders") == 1
    assert edit_distance("kitten", "sitting") == 3         # 2 subs + 1 insert (capped at 3 anyway)
    assert edit_distance("abc", "abc") == 0


def test_nearest_refuses_ties_short_words_and_exact_words():
    assert nearest("germnay", ["germany", "german"], 2) == "germany"        # 1 vs 2
    assert nearest("fance", ["france", "fancy"], 1) is None                 # tie at 1
    names = {"german": "Germany", "germany": "Germany"}
    country = lambda w: names.get(w, w)  # noqa: E731
    assert nearest("germay", ["german", "germany"], 1) is None              # tie at 1 ...
    assert nearest("germay", ["german", "germany"], 1, same=lambda a, b: country(a) == country(b)) == "german"
    assert nearest("fance", ["france", "fancy"], 1, same=lambda a, b: country(a) == country(b)) is None  # ... names differ
    assert nearest("france", ["france"], 1) is None                         # exact: nothing to correct
    assert nearest("frnace", ["united arab emirates"], 2) is None
    assert [allowed_distance(w) for w in ("itly", "spain", "austira", "stationary")] == [0, 1, 1, 2]


def test_glued_words_split_only_one_way():
    known = {"last", "month", "this", "year"}
    assert split_glued("lastmonth", known) == "last month"
    assert split_glued("lastmonth", known | {"las", "tmonth"}) is None       # two splits: no reading
    assert split_glued("thisyear", known) == "this year"
    assert split_glued("lastyears", known) is None                          # 'years' is not known
    assert unglue_numbers("last 30days and 2weeks") == "last 30 days and 2 weeks"
