"""Contact validation messages, permissions and the visibility matrix of SPEC section 2."""
import pytest

from tests.conftest import body_json, written


def create(api, key, **fields):
    fields.setdefault("project_id", "support")
    return api.post("/contacts.json", {"contact": fields}, key=key)


@pytest.mark.parametrize("fields, errors", [
    ({}, ["First name cannot be blank"]),
    ({"first_name": "   "}, ["First name cannot be blank"]),
    ({"first_name": "x" * 256, "last_name": "y" * 256, "company": "c" * 256, "job_title": "j" * 256,
      "website": "w" * 256, "skype_name": "s" * 256, "middle_name": "m" * 256},
     ["First name is too long (maximum is 255 characters)", "Last name is too long (maximum is 255 characters)",
      "Middle name is too long (maximum is 255 characters)", "Company is too long (maximum is 255 characters)",
      "Website is too long (maximum is 255 characters)", "Skype name is too long (maximum is 255 characters)",
      "Job title is too long (maximum is 255 characters)"]),
    ({"first_name": "A", "background": "b" * 65537}, ["Background is too long (maximum is 65536 characters)"]),
    ({"first_name": "A", "email": "nobody, a@b@c"}, ["Email is invalid"]),
    ({"first_name": "A", "emails": ["@example.com"]}, ["Email is invalid"]),
    ({"first_name": "A", "birthday": "1980-02-30"}, ["Birthday is not a valid date"]),
    ({"first_name": "A", "birthday": "yesterday"}, ["Birthday is not a valid date"]),
    ({"first_name": "A", "visibility": 3}, ["Visibility is not included in the list"]),
    ({"first_name": "A", "visibility": "public"}, ["Visibility is not included in the list"]),
    ({"first_name": "A", "assigned_to_id": 999}, ["Assigned to is invalid"]),
    ({"first_name": "A", "address_attributes": {"country_code": "XX"}},
     ["Country code is not included in the list"]),
    ({"first_name": "A", "tag_list": ["t" * 101]}, ["Tag list has a tag longer than 100 characters"]),
    ({"first_name": "A", "tag_list": [f"t{n}" for n in range(31)]}, ["Tag list has too many tags (maximum is 30)"]),
    ({"first_name": "A", "is_company": "perhaps"}, ["Is company is invalid"]),
    ({"first_name": "A", "project_ids": ["nope"]}, ["Projects is invalid"]),
    ({"first_name": "A", "custom_fields": [{"id": 1, "value": "Gold"}, {"id": 2, "value": "soon"}]},
     ["License is not included in the list", "Purchase date is not a valid date"]),
    ({"first_name": "A", "custom_field_values": {"3": "abc"}}, ["Seats is not a number"]),
])
def test_every_validation_message_at_once(api, crm, fields, errors):
    crm.custom_field(name="License", field_format="list", possible_values=["Free", "Pro"])
    crm.custom_field(name="Purchase date", field_format="date")
    crm.custom_field(name="Seats", field_format="int")
    r = create(api, crm.admin, **fields)
    assert r.status_code == 422
    assert body_json(r)["errors"] == errors
    assert crm.ids("/contacts.json")[1] == 0     # nothing half-written


def test_all_messages_of_one_request_come_together(api, crm):
    r = create(api, crm.admin, first_name="", email="bad", birthday="never", visibility=9)
    assert body_json(r)["errors"] == ["First name cannot be blank", "Birthday is not a valid date",
                                      "Email is invalid", "Visibility is not included in the list"]


def test_missing_project_is_422_unknown_project_404(api, crm):
    r = api.post("/contacts.json", {"contact": {"first_name": "A"}}, key=crm.admin)
    assert (r.status_code, body_json(r)) == (422, {"errors": ["Project cannot be blank"]})
    r = api.post("/contacts.xml", "<contact><first_name/></contact>", key=crm.admin,
                 content_type="application/xml")
    assert r.status_code == 422
    assert "<error>Project cannot be blank</error><error>First name cannot be blank</error>" in r.body.decode()
    assert create(api, crm.admin, first_name="A", project_id="nope").status_code == 404
    assert api.post("/projects/nope/contacts.json", {"contact": {"first_name": "A"}},
                    key=crm.admin).status_code == 404


def test_required_custom_fields_and_defaults(api, crm):
    crm.custom_field(name="Source", is_required=True)
    crm.custom_field(name="Tier", field_format="list", possible_values=["A", "B"], default_value="B",
                     is_required=True)
    r = create(api, crm.admin, first_name="A")
    assert body_json(r)["errors"] == ["Source cannot be blank"]
    r = create(api, crm.admin, first_name="A", custom_fields=[{"id": 1, "value": "web"}])
    assert r.status_code == 201
    assert body_json(r)["contact"]["custom_fields"] == [{"id": 1, "name": "Source", "value": "web"},
                                                        {"id": 2, "name": "Tier", "value": "B"}]
    r = api.put("/contacts/1.json", {"contact": {"custom_fields": [{"id": 1, "value": ""}]}}, key=crm.admin)
    assert body_json(r)["errors"] == ["Source cannot be blank"]


def test_author_id_is_for_admins_only(api, crm):
    crm.people.user("writer")
    crm.member("writer", "support", "Manager")
    r = create(api, crm.key("writer"), first_name="A", author_id=1)
    assert body_json(r)["contact"]["author"]["name"] == "Writer Tester"
    r = create(api, crm.admin, first_name="B", author_id=crm.user_id("writer"))
    assert body_json(r)["contact"]["author"]["name"] == "Writer Tester"


def test_the_assignee_must_be_able_to_see_the_contact(api, crm):
    crm.project("secret", public=False)
    crm.people.user("stranger")
    r = create(api, crm.admin, first_name="A", project_id="secret", assigned_to_id=crm.user_id("stranger"))
    assert body_json(r)["errors"] == ["Assigned to is invalid"]
    crm.member("stranger", "secret", "Reporter")
    r = create(api, crm.admin, first_name="A", project_id="secret", assigned_to_id=crm.user_id("stranger"))
    assert r.status_code == 201


def test_wrong_types_from_json_are_422(api, crm):
    r = create(api, crm.admin, first_name={"x": 1}, phones=[["nested"]], tag_list={"a": 1},
               project_ids="nope nope")
    assert r.status_code == 422
    r = api.post("/contacts.json", {"contact": ["not", "an", "object"]}, key=crm.admin)
    assert r.status_code == 422


def test_unicode_and_hostile_text_round_trip(api, crm):
    r = create(api, crm.admin, first_name="Zoë <script>&", last_name="日本", tag_list=["ünï", "ÜNÏ"])
    contact = body_json(r)["contact"]
    assert (contact["first_name"], contact["last_name"], contact["tag_list"]) == ("Zoë <script>&", "日本", ["ünï"])
    text = api.get(f"/contacts/{contact['id']}.xml", key=crm.admin).body.decode()
    assert "<first_name>Zoë &lt;script&gt;&amp;</first_name><last_name>日本</last_name>" in text
    assert crm.ids("/contacts.json?search=ZOË")[1] == 1
    assert crm.ids("/contacts.json?tags=ÜNÏ")[1] == 1


# ------------------------------------------------------------------ permissions and visibility

@pytest.fixture
def matrix(api, crm):
    """support is public. viewer: Reporter (view). private_viewer: a role with view_private_contacts.
    editor: Developer. outsider: no membership. locked: Manager, locked."""
    written(api.post("/roles.json", {"role": {"name": "Private viewer",
                                      "permissions": ["view_contacts", "view_private_contacts"]}},
             key=crm.admin))
    crm.member("viewer", "support", "Reporter")
    crm.member("private_viewer", "support", "Private viewer")
    crm.member("editor", "support", "Developer")
    crm.people.user("outsider")
    crm.member("locked", "support", "Manager")
    written(api.put(f"/users/{crm.user_id('locked')}.json", {"user": {"status": 3}}, key=crm.admin))
    written(api.put("/roles/1.json", {"role": {"permissions": ["view_contacts"]}}, key=crm.admin))  # Non member
    editor = crm.user_id("editor")
    return {
        "project": crm.contact(first_name="Project", visibility=0),
        "public": crm.contact(first_name="Public", visibility=1),
        "private": crm.contact(first_name="Private", visibility=2),
        "private_by_editor": crm.contact(key=crm.key("editor"), first_name="Authored", visibility=2),
        "private_for_viewer": crm.contact(first_name="Assigned", visibility=2,
                                          assigned_to_id=crm.user_id("viewer")),
        "editor": editor,
    }


VISIBLE = {
    "admin": {"project", "public", "private", "private_by_editor", "private_for_viewer"},
    "private_viewer": {"project", "public", "private", "private_by_editor", "private_for_viewer"},
    "viewer": {"project", "public", "private_for_viewer"},
    "editor": {"project", "public", "private_by_editor"},
    "outsider": {"project", "public"},   # Non member role of a public project
    None: set(),                          # Anonymous role has no permission
    "locked": set(),
}


@pytest.mark.parametrize("login", list(VISIBLE))
def test_visibility_matrix_for_list_count_search_and_show(api, crm, matrix, login):
    key = crm.key(login) if login else None
    r = api.get("/contacts.json?limit=100", key=key)
    if not VISIBLE[login]:
        assert r.status_code == 401     # anonymous (and locked) without view_contacts anywhere
        for name in ("project", "private"):
            assert api.get(f"/contacts/{matrix[name]}.json", key=key).status_code == 401
        return
    names = {n for n in VISIBLE[login]}
    expected = sorted(matrix[n] for n in names)
    doc = body_json(r)
    assert sorted(c["id"] for c in doc["contacts"]) == expected
    assert doc["total_count"] == len(expected)
    found = body_json(api.get("/contacts.json?search=a", key=key))   # Private, Authored, Assigned
    with_a = sorted(matrix[n] for n in names & {"private", "private_by_editor", "private_for_viewer"})
    assert sorted(c["id"] for c in found["contacts"]) == with_a
    assert found["total_count"] == len(with_a)
    for name in ("project", "public", "private", "private_by_editor", "private_for_viewer"):
        status = api.get(f"/contacts/{matrix[name]}.json", key=key).status_code
        assert status == (200 if name in names else 403), (login, name, status)


def test_search_never_reveals_hidden_contacts(api, crm, matrix):
    assert crm.ids("/contacts.json?search=private", login="viewer") == ([], 0)
    assert crm.ids("/contacts.json?search=assigned", login="viewer") == ([matrix["private_for_viewer"]], 1)
    assert crm.ids("/contacts.json?search=private", login="private_viewer") == ([matrix["private"]], 1)


@pytest.mark.parametrize("login, can_edit, can_delete", [
    ("admin", True, True), ("editor", True, False), ("viewer", False, False),
    ("private_viewer", False, False), ("outsider", False, False),
])
def test_who_may_update_and_delete(api, crm, matrix, login, can_edit, can_delete):
    key = crm.key(login)
    r = api.put(f"/contacts/{matrix['project']}.json", {"contact": {"job_title": "x"}}, key=key)
    assert r.status_code == (204 if can_edit else 403)
    r = api.delete(f"/contacts/{matrix['public']}.json", key=key)
    assert r.status_code == (204 if can_delete else 403)


def test_hidden_contacts_answer_403_and_anonymous_401(api, crm, matrix):
    key = crm.key("editor")
    assert api.put(f"/contacts/{matrix['private']}.json", {"contact": {"job_title": "x"}},
                   key=key).status_code == 403
    assert api.delete(f"/contacts/{matrix['private']}.json", key=key).status_code == 403
    r = api.put(f"/contacts/{matrix['private']}.json", {"contact": {"job_title": "x"}})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == 'Basic realm="Redmine API"'
    # an editor may edit the private contact it wrote
    assert api.put(f"/contacts/{matrix['private_by_editor']}.json", {"contact": {"job_title": "x"}},
                   key=key).status_code == 204


def test_creating_needs_add_contacts_in_the_project(api, crm, matrix):
    assert create(api, crm.key("viewer"), first_name="A").status_code == 403
    assert create(api, crm.key("outsider"), first_name="A").status_code == 403
    assert create(api, None, first_name="A").status_code == 401
    assert create(api, crm.key("editor"), first_name="A").status_code == 201


def test_company_people_include_hides_what_the_caller_cannot_see(api, crm, matrix):
    company = crm.contact(first_name="Globex", is_company=True, visibility=1)
    seen = crm.contact(first_name="Seen", company="Globex")
    crm.contact(first_name="Hidden", company="Globex", visibility=2)
    doc = body_json(api.get(f"/contacts/{company}.json?include=contacts", key=crm.key("viewer")))["contact"]
    assert doc["contacts"] == [{"id": seen, "name": "Seen"}]
    doc = body_json(api.get(f"/contacts/{company}.json?include=contacts", key=crm.admin))["contact"]
    assert len(doc["contacts"]) == 2


def test_show_lists_only_projects_the_caller_can_see(api, crm):
    crm.project("secret", public=False)
    crm.member("viewer", "support", "Reporter")
    contact = crm.contact(first_name="Both", project_ids=["support", "secret"])
    doc = body_json(api.get(f"/contacts/{contact}.json", key=crm.key("viewer")))["contact"]
    assert doc["projects"] == [{"id": 1, "name": "Support"}]
