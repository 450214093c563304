"""Items made into models in one pass (store/reading.py) equal what pynamodb's own
from_raw_data makes of them: every item of both tables, after writes of every kind."""
from chalicelib import config
from chalicelib.store import reading
from chalicelib.store.crm import CrmItem
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
            kinds += 1
    assert kinds > 20
