"""vCard 3.0 exports of one contact and of a filtered address book."""
import vobject

from tests.conftest import body_json


def test_a_contact_round_trips_through_the_vcard_parser(api, crm):
    contact = crm.contact(first_name="Ann", middle_name="B.", last_name="Smith", company="Acme",
                          job_title="Buyer", phone="+1 555 0100, +1 555 0101", email="ann@acme.example",
                          website="https://acme.example", birthday="1980-10-21", background="Met at a fair",
                          address_attributes={"street1": "12, Street", "street2": "Floor 3", "city": "Moscow",
                                              "region": "Moscow", "postcode": "123456", "country_code": "RU"})
    r = api.get(f"/contacts/{contact}.vcf", key=crm.admin)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/vcard; charset=utf-8"
    assert r.headers["Content-Disposition"] == f'attachment; filename="contact-{contact}.vcf"'
    card = vobject.readOne(r.body.decode())
    assert card.version.value == "3.0"
    assert (card.n.value.family, card.n.value.given, card.n.value.additional) == ("Smith", "Ann", "B.")
    assert card.fn.value == "Ann Smith"
    assert card.org.value == ["Acme"]
    assert card.title.value == "Buyer"
    assert [t.value for t in card.tel_list] == ["+1 555 0100", "+1 555 0101"]
    assert card.email.value == "ann@acme.example"
    adr = card.adr.value
    assert (adr.street, adr.city, adr.region, adr.code) == ("12, Street\nFloor 3", "Moscow", "Moscow", "123456")
    assert adr.country in ("Russia", "Russian Federation")
    assert card.url.value == "https://acme.example"
    assert card.bday.value == "1980-10-21"
    assert card.note.value == "Met at a fair"


def test_a_company_is_its_own_organization(api, crm):
    company = crm.contact(first_name="Acme Corp", is_company=True)
    card = vobject.readOne(api.get(f"/contacts/{company}.vcf", key=crm.admin).body.decode())
    assert (card.fn.value, card.org.value) == ("Acme Corp", ["Acme Corp"])


def test_the_address_book_export_honours_filters_and_visibility(api, crm):
    crm.member("viewer", "support", "Reporter")
    crm.contact(first_name="Ann", tag_list="vip")
    crm.contact(first_name="Bob", tag_list="vip")
    crm.contact(first_name="Cid")
    crm.contact(first_name="Hidden", tag_list="vip", visibility=2)
    cards = list(vobject.readComponents(api.get("/contacts.vcf?tags=vip", key=crm.key("viewer")).body.decode()))
    assert [c.fn.value for c in cards] == ["Ann", "Bob"]
    cards = list(vobject.readComponents(api.get("/contacts.vcf?limit=1", key=crm.admin).body.decode()))
    assert len(cards) == 1


def test_a_large_address_book_comes_in_pages_that_say_what_follows(api, crm, monkeypatch):
    from urllib.parse import parse_qs, urlsplit

    from chalicelib.api import contacts as contacts_api
    monkeypatch.setattr(contacts_api, "ADDRESS_BOOK_PAGE", 2)
    for name in ("Ann", "Bob", "Cid", "Dan", "Eve"):
        crm.contact(first_name=name, tag_list="vip")
    crm.contact(first_name="Other")
    names, url, pages = [], "/contacts.vcf?tags=vip&key=" + crm.admin, 0
    while url:
        r = api.get(url)
        assert r.status_code == 200 and r.headers["X-Total-Count"] == "5"
        names += [c.fn.value for c in vobject.readComponents(r.body.decode())]
        pages += 1
        link = r.headers.get("Link")
        if link is None:
            break
        target, rel = link.split(";")
        assert rel.strip() == 'rel="next"'
        parts = urlsplit(target.strip("<> "))
        assert parts.path == "/contacts.vcf" and "key" not in parse_qs(parts.query)   # never echoed
        assert parse_qs(parts.query)["tags"] == ["vip"]
        url = f"{parts.path}?{parts.query}&key={crm.admin}"
    assert (names, pages) == (["Ann", "Bob", "Cid", "Dan", "Eve"], 3)
    # A page asked for is at most ADDRESS_BOOK_PAGE long.
    r = api.get("/contacts.vcf?limit=50&offset=1", key=crm.admin)
    assert len(list(vobject.readComponents(r.body.decode()))) == 2
    assert "offset=3&limit=2" in r.headers["Link"]


def test_vcards_follow_the_contacts_rules(api, crm):
    crm.member("viewer", "support", "Reporter")
    hidden = crm.contact(first_name="Hidden", visibility=2)
    r = api.get(f"/contacts/{hidden}.vcf", key=crm.key("viewer"))
    assert (r.status_code, r.body) == (403, b"")
    assert api.get("/contacts/999.vcf", key=crm.admin).status_code == 404
    assert api.get(f"/contacts/{hidden}.vcf").status_code == 401
    assert api.get(f"/contacts/{hidden}.csv", key=crm.admin).status_code == 406
    assert api.get("/projects.vcf", key=crm.admin).status_code == 406
    assert body_json(api.get(f"/contacts/{hidden}.json", key=crm.admin))["contact"]["id"] == hidden


ROUND_TRIP_FIELDS = ("is_company", "first_name", "middle_name", "last_name", "company", "job_title", "phones",
                     "emails", "website", "birthday", "background", "tag_list", "address")


def test_an_export_imports_as_it_was(api, crm):
    """Export → import keeps every field a vCard carries: the imported contacts' documents equal
    the exported ones in all of them."""
    sales = crm.project("sales")
    ann = crm.contact(first_name="Ann", middle_name="B.", last_name="Smith", company="Acme", job_title="Buyer",
                      phone="+1 555 0100, +1 555 0101", email="ann@acme.example", website="https://acme.example",
                      birthday="1980-10-21", background="Met at a fair\nTwice", tag_list="vip, Cold call",
                      address_attributes={"street1": "12, Street", "street2": "Floor 3", "city": "Moscow",
                                          "region": "Moscow", "postcode": "123456", "country_code": "RU"})
    acme = crm.contact(first_name="Acme", is_company=True, email="hello@acme.example", tag_list="partner")
    exported = api.get("/contacts.vcf", key=crm.admin)
    r = api.post(f"/projects/{sales}/contacts.vcf", exported.body, key=crm.admin, content_type="text/vcard")
    assert r.status_code == 200, r.body
    answer = body_json(r)["import"]
    assert answer["errors"] == [] and [c["name"] for c in answer["created"]] == ["Acme", "Ann Smith"]
    for original, copy in zip((acme, ann), (c["id"] for c in answer["created"]), strict=True):
        before = body_json(api.get(f"/contacts/{original}.json", key=crm.admin))["contact"]
        after = body_json(api.get(f"/contacts/{copy}.json", key=crm.admin))["contact"]
        assert {k: before.get(k) for k in ROUND_TRIP_FIELDS} == {k: after.get(k) for k in ROUND_TRIP_FIELDS}
        assert after["projects"] == [{"id": sales, "name": "Sales"}]


def test_an_import_answers_each_refused_card_and_writes_the_others(api, crm):
    cards = ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jane;;;\r\nFN:Jane Doe\r\nEMAIL:jane@example.org\r\nEND:VCARD\r\n"
             "BEGIN:VCARD\r\nVERSION:3.0\r\nN:;;;;\r\nEMAIL:nobody@example.org\r\nEND:VCARD\r\n"
             "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Only Formatted\r\nTEL:+1 555\r\nEND:VCARD\r\n")
    r = api.post("/contacts.vcf?project_id=support", cards.encode(), key=crm.admin, content_type="text/vcard")
    answer = body_json(r)["import"]
    assert [c["name"] for c in answer["created"]] == ["Jane Doe", "Only Formatted"]
    assert answer["errors"] == [{"card": 2, "messages": ["First name cannot be blank"]}]
    assert body_json(api.get("/contacts.json?search=nobody", key=crm.admin))["total_count"] == 0
    xml = api.post("/contacts.vcf?project_id=support", cards.encode(), key=crm.admin,
                   content_type="text/vcard", headers={"Accept": "application/xml"})
    assert xml.status_code == 200


def test_an_import_needs_a_user_allowed_to_add_contacts_and_readable_cards(api, crm):
    crm.member("viewer", "support", "Reporter")
    card = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jane Doe\r\nEND:VCARD\r\n"
    assert api.post("/contacts.vcf?project_id=support", card, content_type="text/vcard").status_code == 401
    assert api.post("/contacts.vcf?project_id=support", card, key=crm.key("viewer"),
                    content_type="text/vcard").status_code == 403
    assert api.post("/contacts.vcf?project_id=nowhere", card, key=crm.admin,
                    content_type="text/vcard").status_code == 404
    for body in (b"not a card", b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:broken", b""):
        r = api.post("/contacts.vcf?project_id=support", body, key=crm.admin, content_type="text/vcard")
        assert r.status_code == 422, (body, r.body)
        assert body_json(r)["errors"]
