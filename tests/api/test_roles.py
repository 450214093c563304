"""Roles: the five defaults, admin CRUD, built-in roles protected."""
from tests.conftest import body_json, role_id, written


def test_default_roles(api, people):
    people.user("jsmith")
    r = body_json(api.get("/roles.json", key=people.key("jsmith")))
    assert [(x["id"], x["name"]) for x in r["roles"]] == [
        (3, "Manager"), (4, "Developer"), (5, "Reporter"), (1, "Non member"), (2, "Anonymous")]
    developer = body_json(api.get("/roles/4.json", key=people.key("jsmith")))["role"]
    assert developer == {"id": 4, "name": "Developer", "assignable": True,
                         "permissions": ["view_contacts", "add_contacts", "edit_contacts",
                                         "add_notes", "view_deals"]}
    manager = body_json(api.get("/roles/3.json", key=people.key("jsmith")))["role"]
    assert len(manager["permissions"]) == 13
    reporter = api.get("/roles/5.xml", key=people.key("jsmith")).body.decode()
    assert ("<role><id>5</id><name>Reporter</name><assignable>true</assignable><permissions type=\"array\">"
            "<permission>view_contacts</permission><permission>view_deals</permission></permissions></role>") in reporter


def test_roles_need_a_login(api):
    assert api.get("/roles.json").status_code == 401


def test_admin_creates_updates_and_deletes_a_role(api, admin_key):
    r = api.post("/roles.json", {"role": {"name": "Sales", "permissions": ["view_contacts", "add_deals"]}},
                 key=admin_key)
    assert r.status_code == 201
    role = body_json(r)["role"]
    assert role == {"id": 6, "name": "Sales", "assignable": True,
                    "permissions": ["view_contacts", "add_deals"]}
    r = api.put("/roles/6.xml", "<role><name>Sales team</name><permissions type=\"array\">"
                "<permission>view_deals</permission></permissions></role>",
                key=admin_key, content_type="application/xml")
    assert r.status_code == 204
    role = body_json(api.get("/roles/6.json", key=admin_key))["role"]
    assert (role["name"], role["permissions"]) == ("Sales team", ["view_deals"])
    assert api.delete("/roles/6.json", key=admin_key).status_code == 204
    assert api.get("/roles/6.json", key=admin_key).status_code == 404


def test_role_validation(api, admin_key):
    r = api.post("/roles.json", {"role": {"name": "manager", "permissions": ["fly", "view_contacts"]}},
                 key=admin_key)
    assert body_json(r)["errors"] == ["Name has already been taken", "Permissions is invalid: fly"]
    r = api.post("/roles.json", {"role": {"permissions": "view_contacts"}}, key=admin_key)
    assert body_json(r)["errors"] == ["Name cannot be blank"]


def test_builtin_roles_keep_their_name_and_cannot_be_deleted(api, admin_key):
    r = api.put("/roles/1.json", {"role": {"name": "Renamed", "permissions": ["view_contacts"]}},
                key=admin_key)
    assert r.status_code == 204
    role = body_json(api.get("/roles/1.json", key=admin_key))["role"]
    assert role == {"id": 1, "name": "Non member", "assignable": False, "permissions": ["view_contacts"]}
    assert body_json(api.delete("/roles/1.json", key=admin_key))["errors"] == \
        ["A built-in role cannot be deleted"]


def test_a_role_in_use_cannot_be_deleted(api, admin_key, people):
    dev = people.user("dev")
    written(api.post("/projects.json", {"project": {"name": "P", "identifier": "p"}}, key=admin_key))
    reporter = role_id(api, admin_key, "Reporter")
    written(api.post("/projects/p/memberships.json", {"membership": {"user_id": dev.id, "role_ids": [reporter]}},
             key=admin_key))
    r = api.delete(f"/roles/{reporter}.json", key=admin_key)
    assert body_json(r)["errors"] == ["This role is in use and cannot be deleted"]


def test_only_admins_write_roles(api, people):
    people.user("jsmith")
    key = people.key("jsmith")
    assert api.post("/roles.json", {"role": {"name": "X"}}, key=key).status_code == 403
    assert api.put("/roles/3.json", {"role": {"name": "X"}}, key=key).status_code == 403
    assert api.delete("/roles/3.json", key=key).status_code == 403
