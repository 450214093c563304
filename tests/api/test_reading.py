"""Items made into models in one pass (store/reading.py) equal what pynamodb's own
from_raw_data makes of them, and so do the light rows lists read: every item of both tables,
after writes of every kind, and generated values in every wire form."""
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib import config
from chalicelib.store import reading
from chalicelib.store.crm import ContactIndexEntry, CrmItem
from chalicelib.store.directory import DirectoryItem
from chalicelib.store.operations import connection
from tests.conftest import written


def _raw_items(table: str) -> list:
    client, items, start = connection().client, [], None
    while True:
        page = client.scan(TableName=table, **({"ExclusiveStartKey": start} if start else {}))
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def test_every_stored_item_reads_as_pynamodb_reads_it(api, crm):
    from chalicelib.local import sample
    sample.build(30, deals=6, tickets=6)
    crm.member("dev", "support", "Developer")
    person = crm.contact(first_name="Ann", last_name="Lee", company="Acme", tags=["vip", "lead"],
                         emails=["ann@example.com"], phones=["+1 555"], visibility=2, assigned_to_id=crm.user_id("dev"))
    deal = written(api.post("/deals.json", {"deal": {"name": "Big", "contact_id": person, "project_id": "support",
                                                     "price": "10.5"}}, key=crm.admin)).json_body["deal"]["id"]
    written(api.post(f"/contacts/{person}/notes.json", {"note": {"content": "hello"}}, key=crm.admin))
    written(api.post(f"/deals/{deal}/notes.json", {"note": {"content": "deal note"}}, key=crm.admin))
    written(api.post("/tickets.json", {"ticket": {"subject": "Help", "contact_id": person}}, key=crm.admin))
    gone = crm.contact(first_name="Gone")
    written(api.delete(f"/contacts/{gone}.json", key=crm.admin))
    compared = 0
    for base, table in ((CrmItem, config.CRM_TABLE), (DirectoryItem, config.DIRECTORY_TABLE)):
        for raw in _raw_items(table):
            theirs = base._instantiate(raw)
            ours = reading.instantiate(base, raw)
            assert type(ours) is type(theirs), raw
            assert ours.attribute_values == theirs.attribute_values, raw
            assert ours.serialize() == theirs.serialize()
            row = reading.rows(type(theirs))(raw)
            assert {name: getattr(row, name) for name in row.__slots__} == \
                {name: getattr(theirs, name) for name in type(theirs).get_attributes()}, raw
            compared += 1
    assert compared > 300


def test_an_item_missing_attributes_takes_their_defaults_as_pynamodb_gives_them():
    """Items written before an attribute existed: each kind, with nothing but its keys."""
    kinds = 0
    for base in (CrmItem, DirectoryItem):
        discriminator = base._get_discriminator_attribute()
        for value, model in discriminator._discriminator_map.items():
            raw = {model._hash_keyname: {"S": "a"}, discriminator.attr_name: {"S": value}}
            if model._range_keyname:
                raw[model._range_keyname] = {"S": "b"}
            theirs, ours = base._instantiate(raw), reading.instantiate(base, raw)
            assert type(ours) is type(theirs) and ours.attribute_values == theirs.attribute_values, value
            assert _row_values(model, raw) == _values(theirs), value
            kinds += 1
    assert kinds > 20


def _values(model_instance) -> dict:
    return {name: getattr(model_instance, name) for name in type(model_instance).get_attributes()}


def _row_values(model, raw) -> dict:
    row = reading.rows(model)(raw)
    return {name: getattr(row, name) for name in row.__slots__}


_NUMBERS = st.one_of(st.integers(-10**12, 10**12).map(str), st.sampled_from(["0", "007", "1.5", "-2", "1e3", "-0.25"]))
_TEXTS = st.text(string.printable + "éß😀", max_size=8)
_WIRE = st.recursive(
    st.one_of(_TEXTS.map(lambda t: {"S": t}), _NUMBERS.map(lambda n: {"N": n}), st.booleans().map(lambda b: {"BOOL": b}),
              st.just({"NULL": True})),
    lambda inner: st.lists(inner, max_size=3).map(lambda values: {"L": values}), max_leaves=4)


def _outcome(read):
    try:
        return "value", read()
    except Exception as error:   # noqa: BLE001  (whether both fail is what is compared)
        return "error", type(error).__name__


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(a.attr_name for a in ContactIndexEntry.get_attributes().values()
                                              if a.attr_name != "kind")),
                       st.one_of(_WIRE, st.just({})), max_size=8))
def test_a_row_reads_any_wire_form_as_its_model_does(values):
    """Index entries in every form DynamoDB may hand back, the usual ones and the odd (a float
    id, a NULL list, a list of mixed kinds, an empty value): the row holds what the model holds,
    or both fail. The kind is the one the reads ask for."""
    raw = {"pk": {"S": "contact#1"}, "sk": {"S": "entry#all"}, "kind": {"S": "entry"}, **values}
    theirs = _outcome(lambda: _values(ContactIndexEntry._instantiate(raw)))
    ours = _outcome(lambda: _row_values(ContactIndexEntry, raw))
    assert ours == theirs, raw
