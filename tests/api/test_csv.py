"""GET /contacts.csv: every list filter, a header row of labels, one row per contact the caller
sees, lists joined, custom fields as columns, paged like the address book."""
import csv
import io

from tests.conftest import written


def _rows(response):
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="contacts.csv"'
    return list(csv.reader(io.StringIO(response.body.decode("utf-8"))))


def test_the_export_has_a_header_and_a_row_per_visible_contact(api, crm):
    field = crm.custom_field(name="Size", field_format="string", customized_type="contact")
    crm.member("viewer", "support", "Reporter")
    hidden = crm.project("hidden", public=False)
    ada = crm.contact(first_name="Ada", last_name="Lovelace", company="Analytical", job_title="Engineer",
                      phones=["+44 20 7946 0000", "555"], emails=["ada@example.org"], tag_list="vip, Math",
                      address_attributes={"street1": "1 Way", "city": "London", "country_code": "GB"},
                      custom_fields=[{"id": field, "value": "L"}], background="=1+2")
    crm.contact(first_name="Grace", last_name="Hopper", tag_list="navy")
    crm.contact(first_name="Secret", project=hidden)
    rows = _rows(api.get("/contacts.csv?tags=vip", key=crm.admin))
    head, ada_row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert head[:3] == ["#", "Is company", "First name"] and head[-1] == "Size"
    assert len(rows) == 2
    assert ada_row["#"] == str(ada) and ada_row["Last name"] == "Lovelace" and ada_row["Company"] == "Analytical"
    assert ada_row["Phones"] == "'+44 20 7946 0000, 555"       # a cell never starts a formula
    assert ada_row["Background"] == "'=1+2"
    assert ada_row["Emails"] == "ada@example.org" and ada_row["Tags"] == "vip, Math"
    assert (ada_row["City"], ada_row["Country code"], ada_row["Country"]) == ("London", "GB", "United Kingdom")
    assert ada_row["Size"] == "L" and ada_row["Author"] == "Admin Tester"
    everyone = _rows(api.get("/contacts.csv", key=crm.admin))
    assert sorted(r[2] for r in everyone[1:]) == ["Ada", "Grace", "Secret"]
    seen = _rows(api.get("/contacts.csv", key=crm.key("viewer")))
    assert sorted(r[2] for r in seen[1:]) == ["Ada", "Grace"]
    assert _rows(api.get("/projects/support/contacts.csv?search=hopper", key=crm.admin))[1][2] == "Grace"


def test_a_large_export_comes_in_pages(api, crm):
    for n in range(5):
        written(api.post("/contacts.json", {"contact": {"first_name": f"P{n}", "project_id": "support"}},
                         key=crm.admin))
    r = api.get("/contacts.csv?limit=2", key=crm.admin)
    assert len(_rows(r)) == 3 and r.headers["X-Total-Count"] == "5"
    assert r.headers["Link"] == '<http://localhost/contacts.csv?offset=2&limit=2>; rel="next"'
    last = api.get("/contacts.csv?limit=2&offset=4", key=crm.admin)
    assert len(_rows(last)) == 2 and "Link" not in last.headers
    assert api.get("/contacts/1.csv", key=crm.admin).status_code == 406
