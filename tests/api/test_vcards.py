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
