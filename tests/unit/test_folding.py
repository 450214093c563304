"""Folding and name-order keys against their definitions: the quick ways taken for plain ASCII
text (and short keys) give what NFKC, case folding and the byte cut give on any text."""
import unicodedata

from hypothesis import given, settings, strategies as st

from chalicelib.store.contacts import SORT_PART_BYTES, _cut, fold

# ASCII (printable and not) mixed with characters NFKC or case folding change.
text = st.text(alphabet=st.one_of(st.characters(max_codepoint=127), st.sampled_from("ßİÅﬁ①Ⅻ\u00a0\u0301\u212a\u00e9é𝔄中")),
               max_size=60)


def folded_by_definition(value) -> str:
    if not value:
        return ""
    folded = unicodedata.normalize("NFKC", str(value)).casefold()
    return "".join(ch for ch in folded if ch >= " ")


@settings(max_examples=500, deadline=None)
@given(text)
def test_fold_is_nfkc_casefold_without_control_characters(value):
    assert fold(value) == folded_by_definition(value)


@settings(max_examples=500, deadline=None)
@given(text)
def test_a_sort_part_is_the_text_cut_at_its_byte_budget(value):
    assert _cut(value) == value.encode("utf-8")[:SORT_PART_BYTES].decode("utf-8", "ignore")


def test_the_quick_ways_are_taken_on_their_own_inputs_only():
    assert fold("Anna Smith") == "anna smith"
    assert fold("Anna\tSmith") == "annasmith"          # a control character is dropped, not lowered
    assert fold("STRASSE ß") == "strasse ss"
    assert _cut("x" * 200) == "x" * SORT_PART_BYTES
    assert _cut("中" * 40) == "中" * (SORT_PART_BYTES // 3)
