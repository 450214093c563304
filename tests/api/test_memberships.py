"""Memberships: admins and project managers (manage_contacts) manage them."""
import pytest

from tests.conftest import body_json, role_id, written


@pytest.fixture
def setup(api, admin_key, people):
    written(api.post("/projects.json", {"project": {"name": "Support", "identifier": "support"}}, key=admin_key))
    written(api.post("/projects.json", {"project": {"name": "Other", "identifier": "other"}}, key=admin_key))
    people.user("manager")
    people.user("dev")
    r = api.post("/projects/support/memberships.json",
                 {"membership": {"user_id": 2, "role_ids": [role_id(api, admin_key, "Manager")]}}, key=admin_key)
    assert r.status_code == 201
    return body_json(r)["membership"]


def test_membership_document(api, admin_key, setup):
    assert setup == {"id": 1, "project": {"id": 1, "name": "Support"},
                     "user": {"id": 2, "name": "Manager Tester"},
                     "roles": [{"id": 3, "name": "Manager"}]}
    text = api.get("/memberships/1.xml", key=admin_key).body.decode()
    assert text.endswith('<membership><id>1</id><project id="1" name="Support"/>'
                         '<user id="2" name="Manager Tester"/><roles type="array">'
                         '<role id="3" name="Manager"/></roles></membership>')


def test_a_project_manager_manages_members_of_that_project_only(api, people, setup):
    key = people.key("manager")
    r = api.post("/projects/support/memberships.xml",
                 "<membership><user_id>3</user_id><role_ids type=\"array\"><role_id>4</role_id>"
                 "<role_id>5</role_id></role_ids></membership>", key=key, content_type="application/xml")
    assert r.status_code == 201
    r = body_json(api.get("/projects/support/memberships.json", key=key))
    assert [(m["user"]["id"], [x["id"] for x in m["roles"]]) for m in r["memberships"]] == [(2, [3]), (3, [4, 5])]
    assert r["total_count"] == 2
    assert api.put("/memberships/2.json", {"membership": {"role_ids": [5]}}, key=key).status_code == 204
    assert [x["id"] for x in body_json(api.get("/memberships/2.json", key=key))["membership"]["roles"]] == [5]
    assert api.get("/projects/other/memberships.json", key=key).status_code == 403
    assert api.post("/projects/other/memberships.json",
                    {"membership": {"user_id": 3, "role_ids": [4]}}, key=key).status_code == 403
    assert api.delete("/memberships/2.json", key=key).status_code == 204
    assert api.get("/memberships/2.json", key=key).status_code == 404


def test_others_cannot_see_memberships(api, people, setup):
    key = people.key("dev")
    assert api.get("/projects/support/memberships.json", key=key).status_code == 403
    assert api.get("/memberships/1.json", key=key).status_code == 403
    assert api.get("/projects/support/memberships.json").status_code == 401


def test_membership_validation(api, admin_key, setup):
    def errors(body):
        r = api.post("/projects/support/memberships.json", {"membership": body}, key=admin_key)
        assert r.status_code == 422
        return body_json(r)["errors"]

    assert errors({}) == ["User cannot be blank", "Role cannot be empty"]
    assert errors({"user_id": 99, "role_ids": [42]}) == ["User is invalid", "Role is invalid"]
    assert errors({"user_id": 3, "role_ids": [1]}) == ["Role is invalid"]   # built-in Non member
    assert errors({"user_id": "x", "role_ids": "y"}) == ["User is invalid", "Role is invalid"]
    assert errors({"user_id": 2, "role_ids": [4]}) == ["User has already been taken"]
    r = api.put("/memberships/1.json", {"membership": {"role_ids": []}}, key=admin_key)
    assert body_json(r)["errors"] == ["Role cannot be empty"]


def test_membership_grants_permissions_at_once(api, admin_key, people, setup):
    from chalicelib.services.policy import Caller
    from chalicelib.store import records
    from chalicelib.store.directory import UserRecord
    caller = Caller(records.get(UserRecord, 3))
    assert caller.projects_with("view_contacts") == set()   # public projects, Non member has none
    written(api.post("/projects/support/memberships.json", {"membership": {"user_id": 3, "role_ids": [5]}},
             key=admin_key))
    caller = Caller(records.get(UserRecord, 3))
    assert caller.projects_with("view_contacts") == {1}
    assert not caller.allowed("add_contacts", caller.project(1))
