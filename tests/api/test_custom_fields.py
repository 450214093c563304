"""Contact custom field definitions (admins only)."""
import pytest

from tests.conftest import body_json


def create(api, key, **fields):
    return api.post("/custom_fields.json", {"custom_field": fields}, key=key)


def test_crud_and_document(api, admin_key):
    r = create(api, admin_key, name="License", field_format="list",
               possible_values=["Free", "Pro"], default_value="Free", is_required=True)
    assert r.status_code == 201
    assert body_json(r)["custom_field"] == {
        "id": 1, "name": "License", "customized_type": "contact", "field_format": "list",
        "regexp": "", "min_length": None, "max_length": None, "is_required": True,
        "multiple": False, "default_value": "Free",
        "possible_values": [{"value": "Free", "label": "Free"}, {"value": "Pro", "label": "Pro"}]}
    text = api.get("/custom_fields.xml", key=admin_key).body.decode()
    assert ('<custom_fields total_count="1" offset="0" limit="25" type="array"><custom_field><id>1</id>'
            '<name>License</name>') in text
    assert ('<possible_values type="array"><possible_value><value>Free</value><label>Free</label>'
            '</possible_value>') in text
    r = api.put("/custom_fields/1.json", {"custom_field": {"multiple": True,
                                                           "possible_values": "Free\nPro\nEnterprise"}},
                key=admin_key)
    assert r.status_code == 204
    field = body_json(api.get("/custom_fields/1.json", key=admin_key))["custom_field"]
    assert field["multiple"] is True and len(field["possible_values"]) == 3
    assert api.delete("/custom_fields/1.json", key=admin_key).status_code == 204
    assert api.get("/custom_fields/1.json", key=admin_key).status_code == 404


@pytest.mark.parametrize("fields, errors", [
    ({}, ["Name cannot be blank"]),
    ({"name": "X", "field_format": "color"}, ["Format is not included in the list"]),
    ({"name": "X", "field_format": "list"}, ["Possible values cannot be blank"]),
    ({"name": "X", "regexp": "(unclosed"}, ["Regular expression is invalid"]),
    ({"name": "X", "field_format": "int", "default_value": "abc"}, ["Default value is not a number"]),
    ({"name": "X", "field_format": "date", "default_value": "2026-02-30"},
     ["Default value is not a valid date"]),
    ({"name": "X", "customized_type": "issue"}, ["Customized type is not included in the list"]),
    ({"name": "X", "min_length": "-1"}, ["Minimum length is invalid"]),
    ({"name": "n" * 31}, ["Name is too long (maximum is 30 characters)"]),
])
def test_validation(api, admin_key, fields, errors):
    r = create(api, admin_key, **fields)
    assert r.status_code == 422
    assert body_json(r)["errors"] == errors


def test_multiple_only_for_lists(api, admin_key):
    field = body_json(create(api, admin_key, name="Note", multiple=True))["custom_field"]
    assert field["multiple"] is False


def test_admins_only(api, people):
    people.user("jsmith")
    key = people.key("jsmith")
    assert api.get("/custom_fields.json", key=key).status_code == 403
    assert create(api, key, name="X").status_code == 403
    assert api.get("/custom_fields.json").status_code == 401


@pytest.mark.parametrize("path, root, body", [
    ("/custom_fields/{id}.json", "custom_field", {"customized_type": "deal", "field_format": "", "position": None}),
    ("/deal_statuses/{id}.json", "deal_status", {"position": None, "is_closed": None}),
])
def test_a_blank_position_changes_nothing(api, crm, path, root, body):
    """Found by the contract run: a null position was stored as null, and a 500 answered."""
    if root == "custom_field":
        target = crm.custom_field(name="Size", field_format="string")
        before = body_json(api.get(f"/custom_fields/{target}.json", key=crm.admin))["custom_field"]
    else:
        target = 1
        before = body_json(api.get("/deal_statuses.json", key=crm.admin))["deal_statuses"][0]
    r = api.put(path.format(id=target), {root: body}, key=crm.admin)
    assert r.status_code == 204, r.body
    if root == "custom_field":
        after = body_json(api.get(f"/custom_fields/{target}.json", key=crm.admin))["custom_field"]
    else:
        after = body_json(api.get("/deal_statuses.json", key=crm.admin))["deal_statuses"][0]
    assert after == before
