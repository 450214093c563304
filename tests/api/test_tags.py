"""GET /contacts_tags: ids, names, colours, by name, only tags of contacts the caller sees."""
import pytest

from chalicelib.services.tags import color
from tests.conftest import body_json, written


def test_the_plugins_colour_formula():
    assert color("main") == "#6169db"     # the documented example
    assert color("vip") == "#766970"
    assert len(color("日本")) == 7


@pytest.fixture
def tagged(api, crm):
    crm.project("secret", public=False)
    crm.member("viewer", "support", "Reporter")
    crm.contact(first_name="A", tag_list="vip, Main")
    crm.contact(first_name="B", tag_list="VIP, zeta")
    crm.contact(first_name="Hidden", tag_list="secret-tag", project="secret")
    crm.contact(first_name="Private", tag_list="private-tag", visibility=2)
    return crm


def test_admin_sees_every_tag_in_use_by_name(api, tagged):
    doc = body_json(api.get("/contacts_tags.json", key=tagged.admin))
    assert [t["name"] for t in doc["tags"]] == ["Main", "private-tag", "secret-tag", "vip", "zeta"]
    assert doc["total_count"] == 5
    assert doc["tags"][0] == {"id": 2, "name": "Main", "color": color("Main")}
    text = api.get("/contacts_tags.xml", key=tagged.admin).body.decode()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?><tags total_count="5" type="array">'
                           f'<tag><id>2</id><name>Main</name><color>{color("Main")}</color></tag>')


def test_others_see_only_tags_of_contacts_they_can_see(api, tagged):
    doc = body_json(api.get("/contacts_tags.json", key=tagged.key("viewer")))
    assert [t["name"] for t in doc["tags"]] == ["Main", "vip", "zeta"]
    assert doc["total_count"] == 3
    assert api.get("/contacts_tags.json").status_code == 401


def test_tags_of_deleted_contacts_disappear(api, tagged):
    ids, _ = tagged.ids("/contacts.json?tags=zeta")
    written(api.delete(f"/contacts/{ids[0]}.json", key=tagged.admin))
    names = [t["name"] for t in body_json(api.get("/contacts_tags.json", key=tagged.admin))["tags"]]
    assert "zeta" not in names and "vip" in names
