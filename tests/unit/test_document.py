"""The document tree renders the same content in JSON and XML, as SPEC section 1 says."""
import json
from decimal import Decimal

from chalicelib.web.document import Array, Document, Joined, Obj, ref, to_json, to_xml

DECL = '<?xml version="1.0" encoding="UTF-8"?>'


def contact_like():
    return Obj([
        ("id", 2), ("is_company", True), ("first_name", "Apple Inc."), ("last_name", None),
        ("author", ref(4, "Kirill Bezrukov")),
        ("phones", Array("phone", [Obj([("number", "+1 003")])])),
        ("tag_list", Joined(["vip", "cold call"])),
        ("projects", Array("project", [])),
        ("price", Decimal("10000.0")),
    ])


def test_json_keeps_order_nulls_booleans_references_and_lists():
    text = to_json(Document("contact", contact_like()))
    assert text == ('{"contact":{"id":2,"is_company":true,"first_name":"Apple Inc.","last_name":null,'
                    '"author":{"id":4,"name":"Kirill Bezrukov"},"phones":[{"number":"+1 003"}],'
                    '"tag_list":["vip","cold call"],"projects":[],"price":"10000.0"}}')


def test_xml_renders_the_same_tree():
    text = to_xml(Document("contact", contact_like()))
    assert text == (DECL + '<contact><id>2</id><is_company>true</is_company><first_name>Apple Inc.</first_name>'
                    '<last_name/><author id="4" name="Kirill Bezrukov"/>'
                    '<phones type="array"><phone><number>+1 003</number></phone></phones>'
                    '<tag_list>vip, cold call</tag_list><projects type="array"/><price>10000.0</price></contact>')


def test_list_meta_is_top_level_in_json_and_attributes_in_xml():
    doc = Document("projects", Array("project", [Obj([("id", 1)])]),
                   {"total_count": 5, "offset": 0, "limit": 25})
    assert json.loads(to_json(doc)) == {"projects": [{"id": 1}], "total_count": 5, "offset": 0, "limit": 25}
    assert to_xml(doc) == (DECL + '<projects total_count="5" offset="0" limit="25" type="array">'
                           '<project><id>1</id></project></projects>')
    assert to_json(doc.without_meta()) == '{"projects":[{"id":1}]}'
    assert to_xml(doc.without_meta()) == DECL + '<projects type="array"><project><id>1</id></project></projects>'


def test_mixed_attributes_and_children():
    field = Obj([("id", 1), ("name", "Tags"), ("multiple", True),
                 ("value", Array("value", ["a", "b"]))], attrs=("id", "name", "multiple"))
    assert to_xml(Document("custom_field", field)) == (
        DECL + '<custom_field id="1" name="Tags" multiple="true">'
        '<value type="array"><value>a</value><value>b</value></value></custom_field>')
    assert json.loads(to_json(Document("custom_field", field))) == {
        "custom_field": {"id": 1, "name": "Tags", "multiple": True, "value": ["a", "b"]}}


def test_xml_escapes_markup_quotes_and_drops_characters_xml_cannot_carry():
    doc = Document("user", Obj([("name", 'a<b>&"c"\x00\x1f'), ("ref", ref(1, 'x"<y'))]))
    text = to_xml(doc)
    assert '<name>a&lt;b&gt;&amp;"c"\ufffd\ufffd</name>' in text
    assert '<ref id="1" name="x&quot;&lt;y"/>' in text
    import xml.etree.ElementTree as ET
    ET.fromstring(text.encode("utf-8"))  # well-formed


def test_unicode_passes_through_both_encoders():
    doc = Document("user", Obj([("name", "Zoë 日本 🚀")]))
    assert json.loads(to_json(doc))["user"]["name"] == "Zoë 日本 🚀"
    assert "<name>Zoë 日本 🚀</name>" in to_xml(doc)
