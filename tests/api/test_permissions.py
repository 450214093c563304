"""The permission service: members, Non member / Anonymous roles of public projects, admins,
locked users, closed and archived projects; and what asking costs."""
import pytest

from chalicelib.services.policy import Caller
from chalicelib.store import meter, records
from chalicelib.store.directory import UserRecord
from tests.conftest import body_json, role_id, written


@pytest.fixture
def world(api, admin_key, people):
    """public (1), private (2), closed (3, public), archived (4, public) and a subproject of
    private (5); dev is a Developer in private and closed and archived."""
    for name, public in (("public", True), ("private", False), ("closed", True), ("archived", True)):
        written(api.post("/projects.json", {"project": {"name": name, "identifier": name, "is_public": public}},
                 key=admin_key))
    written(api.post("/projects.json", {"project": {"name": "sub", "identifier": "sub", "parent_id": 2,
                                            "is_public": False}}, key=admin_key))
    people.user("dev")
    people.user("outsider")
    people.user("locked", status=3)
    for project in ("private", "closed", "archived"):
        written(api.post(f"/projects/{project}/memberships.json",
                 {"membership": {"user_id": 2, "role_ids": [role_id(api, admin_key, "Developer")]}}, key=admin_key))
    written(api.put("/projects/closed/close.json", key=admin_key))
    written(api.put("/projects/archived/archive.json", key=admin_key))
    # public projects give their Non member / Anonymous roles to everyone else
    written(api.put("/roles/1.json", {"role": {"permissions": ["view_contacts", "add_notes"]}}, key=admin_key))
    written(api.put("/roles/2.json", {"role": {"permissions": ["view_contacts"]}}, key=admin_key))
    return people


def caller(login=None):
    if login is None:
        return Caller(None)
    from chalicelib.services.users import by_login
    return Caller(by_login(login))


def test_admin_has_everything_in_active_projects_and_reads_archived_ones(world):
    admin = caller("admin")
    assert admin.projects_with("delete_contacts") == {1, 2, 5}
    assert admin.projects_with("view_contacts") == {1, 2, 3, 4, 5}


def test_member_gets_its_roles_and_read_only_in_closed_projects(world):
    dev = caller("dev")
    assert dev.projects_with("add_contacts") == {2}
    assert dev.projects_with("view_contacts") == {1, 2, 3}   # 1 through Non member, 3 closed
    assert dev.projects_with("add_notes") == {1, 2}
    assert not dev.allowed("view_contacts", dev.project(4))  # archived
    assert not dev.allowed("view_contacts", dev.project(5))  # membership is not inherited


def test_non_member_gets_the_non_member_role_of_public_projects(world):
    outsider = caller("outsider")
    assert outsider.projects_with("view_contacts") == {1, 3}
    assert outsider.projects_with("add_notes") == {1}
    assert outsider.projects_with("manage_contacts") == set()


def test_anonymous_gets_the_anonymous_role_of_public_projects(world):
    anonymous = caller()
    assert anonymous.projects_with("view_contacts") == {1, 3}
    assert anonymous.projects_with("add_notes") == set()


def test_locked_user_is_anonymous_on_the_wire(api, world):
    r = api.get("/projects.json", key=world.key("locked"))
    assert [p["identifier"] for p in body_json(r)["projects"]] == ["closed", "public"]


def test_project_visibility_per_caller(api, admin_key, world):
    def seen(**kw):
        return sorted(p["identifier"] for p in body_json(api.get("/projects.json", **kw))["projects"])
    assert seen(key=admin_key) == ["archived", "closed", "private", "public", "sub"]
    assert seen(key=world.key("dev")) == ["closed", "private", "public"]
    assert seen(key=world.key("outsider")) == ["closed", "public"]
    assert seen() == ["closed", "public"]


def test_asking_for_permissions_costs_a_bounded_number_of_calls(api, admin_key, people):
    for n in range(40):
        written(api.post("/projects.json", {"project": {"name": f"P{n}", "identifier": f"p{n}",
                                                "is_public": n % 2 == 0}}, key=admin_key))
    dev = people.user("dev")
    for n in range(0, 40, 3):
        written(api.post(f"/projects/p{n}/memberships.json", {"membership": {"user_id": dev.id, "role_ids": [role_id(api, admin_key, "Developer")]}},
                 key=admin_key))
    user = records.get(UserRecord, int(dev.id))
    with meter.measure() as cost:
        who = Caller(user)
        for permission in ("view_contacts", "add_contacts", "manage_contacts", "delete_deals"):
            who.projects_with(permission)
        for project in who.projects.values():
            who.allowed("edit_contacts", project)
    print(f"\npermissions of a member of 14 of 40 projects: {cost.line()}")
    assert cost.calls == 3 and cost.scans == 0
    assert cost.operations == {"Query": 3}

    with meter.measure() as cost:
        r = api.get("/projects.json", key=people.key("dev"))
    assert r.status_code == 200
    print(f"GET /projects.json as that member: {cost.line()}")
    assert cost.scans == 0 and cost.calls <= 4   # key lookup, user, projects, memberships

    with meter.measure() as cost:
        api.get("/projects.json", basic=("dev", "secret123"))
    print(f"the same with Basic login/password, first time: {cost.line()}")
    # a password this container has not verified yet: the failed-login counters are read first
    assert cost.scans == 0 and cost.calls <= 6 and cost.operations["GetItem"] == 4
    with meter.measure() as cost:
        api.get("/projects.json", basic=("dev", "secret123"))
    print(f"the same with Basic login/password, verified before: {cost.line()}")
    assert cost.scans == 0 and cost.calls <= 4
