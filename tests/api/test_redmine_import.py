"""`contacts-admin import-redmine` end to end: a second instance of this service (the local
server, in its own process) is the source, seeded through its API with projects, users, custom
fields, contacts (private ones, avatars, tags, addresses), notes and deals; the import writes
into this test's store. Every contact, note and deal then shows the same document here as
there; a second run changes nothing; a run stopped half way resumes from its checkpoint; the
other wire variant (texts for phones, emails and tags, RFC 822 dates) reads the same."""
import base64
import json
import os

import pytest

from tests.conftest import body_json
from tests.servers import Server

pytestmark = pytest.mark.slow

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
CONTACTS = int(os.environ.get("IMPORT_CONTACTS", "120"))


def _made(server, path, body, auth=("admin", "admin")):
    status, answer = server.request("POST", path, body, auth=auth)
    assert status == 201, (path, answer)
    return json.loads(answer)


def _seed(server) -> dict:
    _made(server, "/projects.json", {"project": {"name": "Support", "identifier": "support"}})
    _made(server, "/projects.json", {"project": {"name": "Sales", "identifier": "sales", "parent_id": "support"}})
    _made(server, "/projects.json", {"project": {"name": "Left out", "identifier": "left-out"}})
    _made(server, "/users.json", {"user": {"login": "dev", "firstname": "Dana", "lastname": "Dev",
                                           "mail": "dev@example.org", "password": "dev-secret-1"}})
    developer = 4
    _made(server, "/projects/support/memberships.json", {"membership": {"user_id": 2, "role_ids": [developer]}})
    _made(server, "/projects/sales/memberships.json", {"membership": {"user_id": 2, "role_ids": [developer]}})
    size = _made(server, "/custom_fields.json", {"custom_field": {"name": "Size", "customized_type": "contact"}})
    areas = _made(server, "/custom_fields.json", {"custom_field": {
        "name": "Areas", "field_format": "list", "multiple": True, "possible_values": ["north", "south"]}})
    _made(server, "/custom_fields.json", {"custom_field": {"name": "Source", "customized_type": "deal"}})
    status, answer = server.request("POST", "/uploads.json", PNG, content_type="application/octet-stream")
    assert status == 201
    token = json.loads(answer)["upload"]["token"]
    ids = []
    for n in range(CONTACTS):
        body = {"first_name": f"Person{n}", "last_name": ["Smith", "Ivanov", "Garcia"][n % 3],
                "project_id": ["support", "sales", "left-out"][n % 3] if n % 7 else "support",
                "emails": [f"p{n}@example.org"], "phones": [f"+1 555 {n:04d}"], "tag_list": ["vip", "lead"][: n % 3],
                "visibility": [0, 1, 2][n % 3], "job_title": "Buyer" if n % 2 else None,
                "address_attributes": {"city": "Berlin", "country_code": "DE"} if n % 4 == 0 else None,
                "custom_fields": [{"id": size["custom_field"]["id"], "value": str(n)},
                                  {"id": areas["custom_field"]["id"], "value": ["north"]}]}
        if n == 1:
            body["avatar"] = {"token": token}
        if n % 5 == 0 and body["project_id"] != "left-out":
            body["assigned_to_id"] = 2
        auth = ("dev", "dev-secret-1") if n % 6 == 0 and body["project_id"] != "left-out" else ("admin", "admin")
        ids.append(_made(server, "/contacts.json", {"contact": {k: v for k, v in body.items() if v is not None}},
                         auth=auth)["contact"]["id"])
    for n, contact_id in enumerate(ids[:12]):
        _made(server, f"/contacts/{contact_id}/notes.json", {"note": {"content": f"Called {n}", "subject": "Call"}},
              auth=("dev", "dev-secret-1") if n % 2 and n % 3 != 2 else ("admin", "admin"))
    deals = []
    for n, contact_id in enumerate(ids[:9]):
        if n % 3 == 2:
            continue        # that contact is in the left-out project
        deal = _made(server, "/deals.json", {"deal": {"name": f"Deal {n}", "project_id": ["support", "sales"][n % 3],
                                                      "contact_id": contact_id, "price": f"{n}99.50",
                                                      "related_contact_ids": [ids[0]], "status_id": 1 + n % 3}})
        deals.append(deal["deal"]["id"])
        _made(server, f"/deals/{deal['deal']['id']}/notes.json", {"note": {"content": f"Offer {n}"}})
    assert server.request("PUT", "/projects/sales/close.json")[0] == 204      # closed once its data is in
    status, answer = server.request("POST", "/my/api_key.json", {})
    assert status == 201
    return {"key": json.loads(answer)["user"]["api_key"], "contacts": ids, "deals": deals}


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """One source for the module: the imports only read it."""
    server = Server(tmp_path_factory.mktemp("source") / "source.json")
    try:
        world = _seed(server)
        world["server"] = server
        world["url"] = f"http://127.0.0.1:{server.port}"
        yield world
    finally:
        server.stop()


@pytest.fixture
def target():
    """This test's store, as empty as a new deployment: its development admin is the importer."""
    from chalicelib.services import users
    from chalicelib.services.defaults import ensure_defaults
    from chalicelib.services.policy import Caller
    ensure_defaults()
    users.ensure_development_admin()
    return Caller(users.by_login("admin"))


def _auth():
    return {"Authorization": "Basic " + base64.b64encode(b"admin:admin").decode()}


def _source_doc(source, path):
    status, answer = source["server"].request("GET", path)
    return status, (json.loads(answer) if status == 200 else None)


def _here(api, path):
    r = api.get(path, headers=_auth())
    return r.status_code, (body_json(r) if r.status_code == 200 else None)


def _run(target, source, tmp_path, **options):
    from chalicelib.admin.redmine_import import Checkpoint, Importer, Source
    checkpoint = Checkpoint(str(tmp_path / "checkpoint.json"), options.pop("resume", False))
    return Importer(target, Source(source["url"], source["key"]), checkpoint=checkpoint, **options).run()


def test_an_import_shows_every_contact_note_and_deal_as_the_source_does(api, source, target, tmp_path):
    report = _run(target, source, tmp_path, projects=["support", "sales"])
    assert report.failed == []
    imported = [c for n, c in enumerate(source["contacts"]) if n % 3 != 2 or n % 7 == 0]
    assert report.counts[("contact", "imported")] == len(imported)
    for contact_id in source["contacts"]:
        path = f"/contacts/{contact_id}.json?include=notes,deals,contacts"
        there, here = _source_doc(source, path), _here(api, path)
        if contact_id in imported:
            assert here == there, contact_id
        else:
            assert here[0] == 404
    for deal_id in source["deals"]:
        assert _here(api, f"/deals/{deal_id}.json?include=notes") == \
            _source_doc(source, f"/deals/{deal_id}.json?include=notes"), deal_id
    notes = body_json(api.get("/deals.json?limit=100", headers=_auth()))
    assert notes["total_count"] == len(source["deals"])
    for note_id in range(1, 13 + len(source["deals"])):
        there = _source_doc(source, f"/notes/{note_id}.json")
        owner = there[1]["note"]["source"] if there[0] == 200 else {}
        if owner and owner["id"] in (imported if owner["type"] == "Contact" else source["deals"]):
            assert _here(api, f"/notes/{note_id}.json") == there, note_id
    # The avatar came along, and new records take ids past the imported ones.
    first = body_json(api.get(f"/contacts/{source['contacts'][1]}.json", headers=_auth()))["contact"]
    avatar = api.get(f"/attachments/{first['avatar']['attachment_id']}.png", headers=dict(_auth(), Accept="image/png"))
    assert avatar.body == PNG
    created = api.post("/contacts.json", {"contact": {"first_name": "New", "project_id": "support"}},
                       headers=_auth())
    assert body_json(created)["contact"]["id"] > max(source["contacts"])
    from chalicelib.store import consistency
    assert consistency.check().problems == []
    assert _here(api, "/projects/sales.json")[1]["project"]["status"] == 5

    again = _run(target, source, tmp_path, projects=["support", "sales"])
    assert again.failed == [] and ("contact", "imported") not in again.counts
    assert ("contact", "updated") not in again.counts and ("deal", "updated") not in again.counts
    assert again.counts[("contact", "skipped")] == CONTACTS      # unchanged, or outside the projects asked for


def test_a_stopped_run_resumes_from_its_checkpoint(api, source, target, tmp_path):
    from chalicelib.admin import redmine_import
    from chalicelib.admin.redmine_import import Interrupted
    redmine_import.PAGE = 10
    try:
        with pytest.raises(Interrupted):
            _run(target, source, tmp_path, stop_after_pages=2)
        halfway = body_json(api.get("/contacts.json?limit=1", headers=_auth()))["total_count"]
        assert 0 < halfway < CONTACTS
        report = _run(target, source, tmp_path, resume=True)
        assert report.failed == []
        assert report.counts[("contact", "imported")] + halfway == CONTACTS
    finally:
        redmine_import.PAGE = 100
    assert body_json(api.get("/contacts.json?limit=1", headers=_auth()))["total_count"] == CONTACTS


def test_the_documented_wire_variant_reads_as_the_code_variant():
    from chalicelib.admin.redmine_import import contact_fields, price, stamp
    documented = {"id": 7, "first_name": "Ivan", "phone": "+7 495 1, +7 916 2", "email": "ivan@example.org",
                  "tags": "vip, cold call", "created_on": "Tue, 01 Dec 2026 02:44:50 +0300",
                  "updated_on": "2026-12-01T02:44:50+03:00", "projects": [{"id": 1, "name": "Support"}]}
    coded = {"id": 7, "first_name": "Ivan", "phones": [{"number": "+7 495 1"}, {"number": "+7 916 2"}],
             "emails": [{"address": "ivan@example.org"}], "tag_list": ["vip", "cold call"],
             "created_on": "2026-11-30T23:44:50Z", "updated_on": "2026-11-30T23:44:50Z",
             "projects": [{"id": 1, "name": "Support"}], "custom_fields": []}
    assert contact_fields(documented) == contact_fields(coded)
    assert stamp("Tue, 01 Dec 2026 02:44:50 GMT") == "2026-12-01T02:44:50Z"
    assert (price("1200.50"), price(1200.5), price(None)) == ("1200.50", "1200.5", None)


def test_a_dry_run_from_the_command_line_counts_and_writes_nothing(api, source, target, tmp_path, capsys):
    from chalicelib import cli
    status = cli.main(["import-redmine", "--url", source["url"], "--key", source["key"], "--dry-run",
                       "--projects", "support,sales", "--checkpoint", str(tmp_path / "dry.json")])
    out = capsys.readouterr().out
    assert status == 0, out
    assert f"contact: imported {len([n for n in range(CONTACTS) if n % 3 != 2 or n % 7 == 0])}" in out
    assert body_json(api.get("/contacts.json", headers=_auth()))["total_count"] == 0
    assert not (tmp_path / "dry.json").exists()
    assert cli.main(["import-redmine", "--url", source["url"], "--key", "wrong", "--checkpoint",
                     str(tmp_path / "x.json")]) == 1


def test_a_run_since_a_time_mirrors_what_the_source_deleted(api, target, tmp_path):
    server = Server(tmp_path / "small.json")
    try:
        _made(server, "/projects.json", {"project": {"name": "Support", "identifier": "support"}})
        ids = [_made(server, "/contacts.json", {"contact": {"first_name": f"P{n}", "project_id": "support"}})
               ["contact"]["id"] for n in range(3)]
        status, answer = server.request("POST", "/my/api_key.json", {})
        small = {"url": f"http://127.0.0.1:{server.port}", "key": json.loads(answer)["user"]["api_key"]}
        assert _run(target, small, tmp_path).failed == []
        since = body_json(api.get(f"/contacts/{ids[1]}.json", headers=_auth()))["contact"]["updated_on"]
        assert server.request("DELETE", f"/contacts/{ids[1]}.json")[0] == 204
        report = _run(target, small, tmp_path, since=since)
        assert report.counts[("contact", "deleted")] == 1 and report.failed == []
        assert api.get(f"/contacts/{ids[1]}.json", headers=_auth()).status_code == 404
        assert api.get(f"/contacts/{ids[0]}.json", headers=_auth()).status_code == 200
    finally:
        server.stop()
