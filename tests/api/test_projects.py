"""Projects: CRUD, identifier rules, tree, visibility, archive."""
import pytest

from tests.conftest import body_json, role_id, written


def create(api, key, **fields):
    return api.post("/projects.json", {"project": fields}, key=key)


def test_crud_in_json(api, admin_key):
    r = create(api, admin_key, name="Support", identifier="support", description="Help desk",
               is_public=False)
    assert r.status_code == 201
    project = body_json(r)["project"]
    assert list(project) == ["id", "name", "identifier", "description", "is_public", "status",
                             "created_on", "updated_on"]
    assert (project["id"], project["is_public"], project["status"]) == (1, False, 1)
    r = api.put("/projects/support.json", {"project": {"name": "Helpdesk", "identifier": "changed"}},
                key=admin_key)
    assert r.status_code == 204
    shown = body_json(api.get("/projects/1.json", key=admin_key))["project"]
    assert (shown["name"], shown["identifier"]) == ("Helpdesk", "support")  # identifier is fixed
    assert api.delete("/projects/support.json", key=admin_key).status_code == 204
    assert api.get("/projects/support.json", key=admin_key).status_code == 404
    # the identifier is free again
    assert create(api, admin_key, name="Again", identifier="support").status_code == 201


def test_show_in_xml_with_parent(api, admin_key):
    create(api, admin_key, name="Parent", identifier="parent")
    create(api, admin_key, name="Child", identifier="child", parent_id=1)
    text = api.get("/projects/child.xml", key=admin_key).body.decode()
    assert "<identifier>child</identifier><description/><parent id=\"1\" name=\"Parent\"/>" \
           "<is_public>true</is_public><status>1</status>" in text


@pytest.mark.parametrize("identifier, message", [
    ("", "Identifier cannot be blank"),
    ("1abc", "Identifier is invalid"),
    ("Upper", "Identifier is invalid"),
    ("with space", "Identifier is invalid"),
    ("dots.not", "Identifier is invalid"),
    ("a" * 101, "Identifier is too long (maximum is 100 characters)"),
    ("new", "Identifier is reserved"),
])
def test_identifier_rules(api, admin_key, identifier, message):
    r = create(api, admin_key, name="X", identifier=identifier)
    assert r.status_code == 422
    assert body_json(r)["errors"] == [message]


def test_identifier_must_be_unique_and_rules_accept_the_allowed_characters(api, admin_key):
    assert create(api, admin_key, name="X", identifier="a-b_c9").status_code == 201
    r = create(api, admin_key, name="Y", identifier="a-b_c9")
    assert body_json(r)["errors"] == ["Identifier has already been taken"]
    assert create(api, admin_key, name="Z", identifier="a" * 100).status_code == 201


def test_parent_must_exist_and_never_loop(api, admin_key):
    r = create(api, admin_key, name="X", identifier="x", parent_id=42)
    assert body_json(r)["errors"] == ["Subproject of is invalid"]
    create(api, admin_key, name="A", identifier="a")
    create(api, admin_key, name="B", identifier="b", parent_id="a")
    r = api.put("/projects/a.json", {"project": {"parent_id": 2}}, key=admin_key)
    assert body_json(r)["errors"] == ["Subproject of is invalid"]
    r = api.put("/projects/a.json", {"project": {"parent_id": 1}}, key=admin_key)
    assert r.status_code == 422


def test_list_is_in_tree_order(api, admin_key):
    create(api, admin_key, name="Zeta", identifier="zeta")
    create(api, admin_key, name="Alpha", identifier="alpha")
    create(api, admin_key, name="Zeta child", identifier="zchild", parent_id="zeta")
    names = [p["name"] for p in body_json(api.get("/projects.json", key=admin_key))["projects"]]
    assert names == ["Alpha", "Zeta", "Zeta child"]


def test_only_admins_write_projects(api, admin_key, people):
    people.user("jsmith")
    create(api, admin_key, name="P", identifier="p")
    key = people.key("jsmith")
    assert create(api, key, name="Q", identifier="q").status_code == 403
    assert api.put("/projects/p.json", {"project": {"name": "R"}}, key=key).status_code == 403
    assert api.delete("/projects/p.json", key=key).status_code == 403
    assert create(api, None, name="Q", identifier="q").status_code == 401


def test_non_admins_see_public_projects_and_their_own(api, admin_key, people):
    dev = people.user("dev")
    create(api, admin_key, name="Public", identifier="public")
    create(api, admin_key, name="Private", identifier="private", is_public=False)
    create(api, admin_key, name="Mine", identifier="mine", is_public=False)
    written(api.post("/projects/mine/memberships.json", {"membership": {"user_id": dev.id, "role_ids": [role_id(api, admin_key, "Developer")]}},
             key=admin_key))

    def names(**kw):
        return [p["identifier"] for p in body_json(api.get("/projects.json", **kw))["projects"]]

    assert names(key=admin_key) == ["mine", "private", "public"]
    assert names(key=people.key("dev")) == ["mine", "public"]
    assert names() == ["public"]
    assert api.get("/projects/private.json", key=people.key("dev")).status_code == 404
    r = api.get("/projects.json", key=people.key("dev"))
    assert body_json(r)["total_count"] == 2


def test_archived_projects_are_hidden_from_non_admins(api, admin_key, people):
    people.user("jsmith")
    create(api, admin_key, name="Old", identifier="old")
    assert api.put("/projects/old/archive.json", key=admin_key).status_code == 204
    assert api.get("/projects/old.json", key=people.key("jsmith")).status_code == 404
    assert body_json(api.get("/projects/old.json", key=admin_key))["project"]["status"] == 9
    assert api.put("/projects/old/unarchive.json", key=admin_key).status_code == 204
    assert api.get("/projects/old.json", key=people.key("jsmith")).status_code == 200
    r = api.put("/projects/old.json", {"project": {"status": 7}}, key=admin_key)
    assert body_json(r)["errors"] == ["Status is not included in the list"]


def test_deleting_a_project_removes_subprojects_and_memberships(api, admin_key, people):
    dev = people.user("dev")
    create(api, admin_key, name="Top", identifier="top")
    create(api, admin_key, name="Sub", identifier="sub", parent_id="top")
    r = api.post("/projects/sub/memberships.json", {"membership": {"user_id": dev.id, "role_ids": [role_id(api, admin_key, "Developer")]}},
                 key=admin_key)
    membership_id = body_json(r)["membership"]["id"]
    assert api.delete("/projects/top.json", key=admin_key).status_code == 204
    assert api.get("/projects/sub.json", key=admin_key).status_code == 404
    assert api.get(f"/memberships/{membership_id}.json", key=admin_key).status_code == 404
    from chalicelib.store import records
    assert records.memberships_of_user(int(dev.id)) == []


def test_a_project_with_contacts_deals_or_tickets_cannot_be_deleted(api, admin_key):
    create(api, admin_key, name="Busy", identifier="busy")
    create(api, admin_key, name="Other", identifier="other")
    contact = body_json(api.post("/contacts.json", {"contact": {"first_name": "Ann", "project_id": "busy"}},
                                 key=admin_key))["contact"]["id"]
    deal = body_json(api.post("/deals.json", {"deal": {"name": "D", "project_id": "busy"}},
                              key=admin_key))["deal"]["id"]
    written(api.post("/tickets.json", {"ticket": {"subject": "T", "contact_id": contact}}, key=admin_key))
    r = api.delete("/projects/busy.json", key=admin_key)
    assert (r.status_code, body_json(r)) == (422, {"errors": ["Project has contacts", "Project has deals",
                                                              "Project has tickets"]})
    r = api.delete("/projects/busy.xml", key=admin_key)
    assert r.body.decode().endswith('<errors type="array"><error>Project has contacts</error>'
                                    '<error>Project has deals</error><error>Project has tickets</error></errors>')
    # the ticket follows its contact; the deal moves nowhere, so it goes
    assert api.put(f"/contacts/{contact}.json", {"contact": {"project_ids": ["other"]}},
                   key=admin_key).status_code == 204
    r = api.delete("/projects/busy.json", key=admin_key)
    assert (r.status_code, body_json(r)) == (422, {"errors": ["Project has deals", "Project has tickets"]})
    assert api.delete(f"/deals/{deal}.json", key=admin_key).status_code == 204
    assert api.get("/projects/busy.json", key=admin_key).status_code == 200


def test_deleting_a_project_removes_its_web_forms_keys_and_deal_categories(api, admin_key):
    create(api, admin_key, name="Gone", identifier="gone")
    form = body_json(api.post("/projects/gone/web_forms.json", {"web_form": {"name": "F"}}, key=admin_key))
    written(api.post("/projects/gone/deal_categories.json", {"deal_category": {"name": "Big"}}, key=admin_key))
    assert api.delete("/projects/gone.json", key=admin_key).status_code == 204
    assert api.get(f"/web_forms/{form['web_form']['id']}.json", key=admin_key).status_code == 404
    r = api.post("/contacts.json?key=" + form["web_form"]["key"], "contact[first_name]=Ann",
                 content_type="application/x-www-form-urlencoded")
    assert r.status_code == 401
    from chalicelib.store import records
    from chalicelib.store.directory import DealCategoryRecord, WebFormRecord
    assert records.all_of(DealCategoryRecord) == [] and records.all_of(WebFormRecord) == []
    assert records.find_lookup("form_key", form["web_form"]["key"]) is None


def test_pagination_of_projects(api, admin_key):
    for n in range(5):
        create(api, admin_key, name=f"P{n}", identifier=f"p{n}")
    r = body_json(api.get("/projects.json?limit=2&page=2", key=admin_key))
    assert ([p["name"] for p in r["projects"]], r["total_count"], r["offset"], r["limit"]) == \
        (["P2", "P3"], 5, 2, 2)


def test_concurrent_reparenting_never_makes_a_loop(api, admin_key, monkeypatch):
    from chalicelib.store import records
    create(api, admin_key, name="A", identifier="a")
    create(api, admin_key, name="B", identifier="b")
    real = records.save_reparented
    raced = []

    def rival_first(project, version):
        if not raced:
            raced.append(True)      # B under A commits between our check and our write
            assert api.put("/projects/b.json", {"project": {"parent_id": "a"}}, key=admin_key).status_code == 204
        return real(project, version)

    monkeypatch.setattr(records, "save_reparented", rival_first)
    r = api.put("/projects/a.json", {"project": {"parent_id": "b"}}, key=admin_key)
    assert (r.status_code, body_json(r)) == (422, {"errors": ["Subproject of is invalid"]})
    monkeypatch.undo()
    shown = {p["identifier"]: p.get("parent") for p in body_json(api.get("/projects.json", key=admin_key))["projects"]}
    assert shown == {"a": None, "b": {"id": 1, "name": "A"}}


def test_threads_reparenting_crosswise(api, admin_key):
    import threading
    create(api, admin_key, name="A", identifier="a")
    create(api, admin_key, name="B", identifier="b")
    start = threading.Barrier(2)
    statuses = []

    def move(child, parent):
        start.wait()
        statuses.append(api.put(f"/projects/{child}.json", {"project": {"parent_id": parent}},
                                key=admin_key).status_code)

    threads = [threading.Thread(target=move, args=pair) for pair in (("a", "b"), ("b", "a"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [204, 422]
    parents = [p.get("parent") for p in body_json(api.get("/projects.json", key=admin_key))["projects"]]
    assert parents.count(None) == 1


def test_a_stored_loop_neither_hides_projects_nor_hangs_lists(api, admin_key):
    from chalicelib.store import records
    from chalicelib.store.directory import ProjectRecord
    create(api, admin_key, name="A", identifier="a")
    create(api, admin_key, name="B", identifier="b")
    for child, parent in ((1, 2), (2, 1)):      # as an old, unguarded write could have left them
        project = records.get(ProjectRecord, child)
        project.parent_id = parent
        project.save()
    r = body_json(api.get("/projects.json", key=admin_key))
    assert ([p["name"] for p in r["projects"]], r["total_count"]) == (["A", "B"], 2)
    written(api.post("/contacts.json", {"contact": {"first_name": "Ann", "project_id": "b"}}, key=admin_key))
    r = api.get("/contacts.json?project_id=a", key=admin_key)
    assert (r.status_code, body_json(r)["total_count"]) == (200, 1)
