"""One nested dictionary from JSON, XML, urlencoded and multipart bodies; hostile bodies refused."""
import json
from urllib.parse import urlencode

import pytest

from chalicelib.web.body import decode_body
from chalicelib.web.errors import BadRequest
from chalicelib.web.params import nest

EXPECTED = {
    "contact": {
        "first_name": "Ivan",
        "last_name": "Ivanov",
        "tag_list": ["vip", "cold call"],
        "address_attributes": {"street1": "12, Street", "city": "Moscow", "country_code": "RU"},
        "custom_fields": [{"id": "1", "value": "Pro"}, {"id": "2", "value": "2026-01-15"}],
    },
    "project_id": "support",
}

PAIRS = [
    ("contact[first_name]", "Ivan"), ("contact[last_name]", "Ivanov"),
    ("contact[tag_list][]", "vip"), ("contact[tag_list][]", "cold call"),
    ("contact[address_attributes][street1]", "12, Street"),
    ("contact[address_attributes][city]", "Moscow"),
    ("contact[address_attributes][country_code]", "RU"),
    ("contact[custom_fields][][id]", "1"), ("contact[custom_fields][][value]", "Pro"),
    ("contact[custom_fields][][id]", "2"), ("contact[custom_fields][][value]", "2026-01-15"),
    ("project_id", "support"),
]


def multipart(pairs, boundary="XyZ123"):
    lines = []
    for name, value in pairs:
        lines += [f"--{boundary}", f'Content-Disposition: form-data; name="{name}"', "", value]
    lines += [f"--{boundary}--", ""]
    return "\r\n".join(lines).encode("utf-8"), f"multipart/form-data; boundary={boundary}"


def test_the_same_payload_decodes_identically_in_all_four_formats():
    as_json = decode_body(json.dumps(EXPECTED).encode(), "application/json")
    as_xml = decode_body(
        b'<?xml version="1.0"?><request><contact><first-name>Ivan</first-name><last_name>Ivanov</last_name>'
        b'<tag_list type="array"><tag>vip</tag><tag>cold call</tag></tag_list>'
        b'<address_attributes><street1>12, Street</street1><city>Moscow</city><country_code>RU</country_code></address_attributes>'
        b'<custom_fields type="array"><custom_field id="1"><value>Pro</value></custom_field>'
        b'<custom_field id="2"><value>2026-01-15</value></custom_field></custom_fields></contact>'
        b'<project_id>support</project_id></request>', "application/xml")["request"]
    as_form = decode_body(urlencode(PAIRS).encode(), "application/x-www-form-urlencoded")
    body, content_type = multipart(PAIRS)
    as_multipart = decode_body(body, content_type)
    assert as_json == EXPECTED
    assert as_xml == EXPECTED
    assert as_form == EXPECTED
    assert as_multipart == EXPECTED


def test_xml_types_nil_empty_and_attributes():
    decoded = decode_body(
        b'<contact><id type="integer">7</id><is_company type="boolean">true</is_company>'
        b'<birthday type="date">1980-10-21</birthday><middle_name nil="true"/><last_name/>'
        b'<empty_list type="array"/><avatar attachment_id="3"/></contact>', "text/xml")
    assert decoded == {"contact": {"id": 7, "is_company": True, "birthday": "1980-10-21",
                                   "middle_name": None, "last_name": None, "empty_list": [],
                                   "avatar": {"attachment_id": "3"}}}


@pytest.mark.parametrize("body", [
    b'<contact><id type="integer">seven</id></contact>',
    b'<contact><first_name>unclosed</contact>',
    b'not xml at all <',
])
def test_broken_xml_is_a_bad_request(body):
    with pytest.raises(BadRequest):
        decode_body(body, "application/xml")


def test_billion_laughs_is_refused_before_expansion():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
            b'<contact><first_name>&lol3;</first_name></contact>')
    with pytest.raises(BadRequest, match="DTD"):
        decode_body(bomb, "application/xml")


def test_external_entities_are_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = (f'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file://{secret}">]>'
           f'<contact><first_name>&x;</first_name></contact>').encode()
    with pytest.raises(BadRequest) as raised:
        decode_body(xxe, "application/xml")
    assert "TOP-SECRET" not in raised.value.message


@pytest.mark.parametrize("body", [b"{bad", b"[1, 2]", b'"text"', b"\xff\xfe{}"])
def test_broken_json_is_a_bad_request(body):
    with pytest.raises(BadRequest):
        decode_body(body, "application/json")


def test_deeply_nested_bodies_are_refused():
    with pytest.raises(BadRequest):
        decode_body(b'{"a":' * 100 + b"1" + b"}" * 100, "application/json")
    with pytest.raises(BadRequest):
        decode_body(b"<a>" * 100 + b"x" + b"</a>" * 100, "application/xml")
    with pytest.raises(BadRequest):
        nest([("a" + "[b]" * 40, "x")])


def test_rails_names():
    assert nest([("a[]", "1"), ("a[]", "2")]) == {"a": ["1", "2"]}
    assert nest([("x[][id]", "1"), ("x[][value]", "a"), ("x[][id]", "2")]) == \
        {"x": [{"id": "1", "value": "a"}, {"id": "2"}]}
    assert nest([("plain", "v"), ("odd]name", "w")]) == {"plain": "v", "odd]name": "w"}
    with pytest.raises(BadRequest):
        nest([("a", "1"), ("a[b]", "2")])


def test_body_type_is_sniffed_when_no_content_type_is_given():
    assert decode_body(b'{"a": 1}', "") == {"a": 1}
    assert decode_body(b"<a><b>1</b></a>", "") == {"a": {"b": "1"}}
    assert decode_body(b"a[b]=1", "") == {"a": {"b": "1"}}
    assert decode_body(b"   ", "application/json") == {}


def test_multipart_without_boundary_or_broken_is_a_bad_request():
    with pytest.raises(BadRequest):
        decode_body(b"--x\r\n", "multipart/form-data")
    with pytest.raises(BadRequest):
        decode_body(b"garbage without parts", "multipart/form-data; boundary=abc")
