"""`contacts-admin import-csv`: the export of the sample CRM imports as it was, rows that break
a rule are reported and write nothing, other files are read through a column mapping."""
import csv
import io

import pytest

from tests.conftest import body_json, written

CARRIED = ("is_company", "first_name", "middle_name", "last_name", "company", "job_title", "phones", "emails",
           "website", "skype_name", "birthday", "background", "tag_list", "visibility", "address",
           "custom_fields")


@pytest.fixture
def sample_crm(api):
    from chalicelib.local import sample
    from chalicelib.services.defaults import ensure_defaults
    ensure_defaults()
    world = sample.build(40)
    key = world.admin_key
    sizes = written(api.post("/custom_fields.json", {"custom_field": {
        "name": "Sizes", "field_format": "list", "multiple": True, "possible_values": ["S", "M", "L"]}}, key=key))
    sizes = body_json(sizes)["custom_field"]["id"]
    note = body_json(written(api.post("/custom_fields.json", {"custom_field": {"name": "Note"}}, key=key)))
    for body in ({"first_name": "Formula", "last_name": "=HYPERLINK(\"x\")", "phones": ["+1 555 0100", "-5"],
                  "background": "@risk\nsecond line", "custom_fields": [{"id": sizes, "value": ["S", "L"]},
                                                                       {"id": note["custom_field"]["id"],
                                                                        "value": "a, b"}]},
                 {"first_name": "Ünïcode", "last_name": "Ĳssel", "company": "Ωmega, Inc.", "is_company": False,
                  "address_attributes": {"street1": "1 \"Quoted\" St", "city": "Zürich", "country_code": "CH"},
                  "tag_list": "vip, Tag with, comma"}):
        written(api.post("/contacts.json", {"contact": dict(body, project_id=world.project_ids[0])}, key=key))
    return world


def _admin():
    from chalicelib.services import users
    from chalicelib.services.policy import Caller
    return Caller(users.active_admins()[0])


def _every_row(api, key, path):
    text, offset = "", 0
    while True:
        r = api.get(f"{path}?limit=25&offset={offset}", key=key)
        page = r.body.decode("utf-8")
        text += page if not text else page.split("\r\n", 1)[1]
        if "Link" not in r.headers:
            return text
        offset += 25


def test_the_export_of_the_sample_crm_imports_as_it_was(api, sample_crm, tmp_path):
    from chalicelib.admin.csv_import import import_file
    key = sample_crm.admin_key
    target = body_json(written(api.post("/projects.json", {"project": {"name": "Copy", "identifier": "copy"}},
                                        key=key)))["project"]["id"]
    exported = _every_row(api, key, "/contacts.csv")
    path = tmp_path / "contacts.csv"
    path.write_text(exported, encoding="utf-8")
    originals = [int(row[0]) for row in list(csv.reader(io.StringIO(exported)))[1:]]     # in the export's order
    report = import_file(_admin(), str(path), "copy")
    assert report.failed == [] and len(report.created) == len(originals) == 42
    for original, copy in zip(originals, report.created, strict=True):
        before = body_json(api.get(f"/contacts/{original}.json", key=key))["contact"]
        after = body_json(api.get(f"/contacts/{copy}.json", key=key))["contact"]
        assert {k: before.get(k) for k in CARRIED} == {k: after.get(k) for k in CARRIED}, original
        assert after["projects"] == [{"id": target, "name": "Copy"}]


def test_a_rejected_row_writes_nothing_and_is_reported(api, crm, tmp_path):
    from chalicelib.admin.csv_import import import_file
    path = tmp_path / "people.csv"
    path.write_text("Given,Surname,E-mail,Visibility\nAda,Lovelace,ada@example.org,0\n,Nameless,x@example.org,0\n"
                    "Grace,Hopper,not-an-email,0\nAlan,Turing,alan@example.org,7\n", encoding="utf-8")
    report = import_file(_admin(), str(path), "support", {"Given": "first_name", "Surname": "last_name",
                                                          "E-mail": "email"})
    assert len(report.created) == 1
    assert [row for row, _messages in report.failed] == [3, 4, 5]
    assert report.failed[0][1] == ["First name cannot be blank"]
    assert report.lines()[-1] == "1 contacts created, 3 rows rejected."
    names = [c["first_name"] for c in body_json(api.get("/contacts.json", key=crm.admin))["contacts"]]
    assert names == ["Ada"]


def test_the_command_line_reports_and_exits_non_zero_on_rejected_rows(api, crm, tmp_path, capsys):
    from chalicelib import cli
    path = tmp_path / "people.csv"
    path.write_text("First name,Last name\nAda,Lovelace\n,Nobody\n", encoding="utf-8")
    assert cli.main(["import-csv", str(path), "--project", "support"]) == 1
    out = capsys.readouterr().out
    assert "row 3: First name cannot be blank" in out and "1 contacts created, 1 rows rejected." in out
    assert cli.main(["import-csv", str(path), "--project", "nowhere"]) == 1
