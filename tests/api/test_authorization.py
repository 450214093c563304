"""The eight holes of the hostile review, each answered as SPEC sections 2, 5 and 6 say: project
links, project sets, company renames, deals naming hidden contacts, tag spellings, the URLs the
API writes, deal assignees, and form posts with unknown keys. Public projects A and B, private
C, the default roles (looked up by name)."""
import pytest

from chalicelib import config
from tests.conftest import body_json, written

SITE = "https://www.example.com"


@pytest.fixture
def world(api, crm):
    crm.project("a")
    crm.project("b")
    crm.project("c", public=False)
    roles = {r["name"]: r["id"] for r in body_json(api.get("/roles.json", key=crm.admin))["roles"]}
    crm.roles = roles
    crm.member("dev_a", "a", roles["Developer"])
    crm.member("dev_b", "b", roles["Developer"])
    crm.member("mgr_b", "b", roles["Manager"])
    crm.member("dev_ab", "a", roles["Developer"])
    crm.member("dev_ab", "b", roles["Developer"])
    crm.member("dev_a_rep_c", "a", roles["Developer"])
    crm.member("dev_a_rep_c", "c", roles["Reporter"])
    crm.people.user("outsider")
    return crm


def stored(api, crm, contact_id):
    r = api.get(f"/contacts/{contact_id}.json", key=crm.admin)
    assert r.status_code == 200
    return body_json(r)["contact"]


def project_names(contact):
    return sorted(p["name"] for p in contact["projects"])


# ------------------------------------------------------------------ 1. takeover across projects

def test_linking_needs_edit_contacts_in_a_current_project_and_in_the_target(api, world):
    public = world.contact(project="a", first_name="Pub", visibility=1)
    before = stored(api, world, public)
    for login in ("dev_b", "mgr_b"):
        key = world.key(login)
        r = api.post(f"/contacts/{public}/projects.json", {"project": {"id": "b"}}, key=key)
        assert (r.status_code, r.body) == (403, b"")
        r = api.post(f"/contacts/{public}/projects.xml", "<project><id>b</id></project>", key=key,
                     content_type="application/xml")
        assert (r.status_code, r.body) == (403, b"")
        r = api.put(f"/contacts/{public}.json", {"contact": {"project_ids": ["b"]}}, key=key)
        assert r.status_code == 403
        r = api.put(f"/contacts/{public}.xml",
                    '<contact><project_ids type="array"><project_id>b</project_id></project_ids></contact>',
                    key=key, content_type="application/xml")
        assert r.status_code == 403
        assert api.delete(f"/contacts/{public}.json", key=key).status_code == 403
    # a Developer of A alone may not put it into B (no edit_contacts there) ...
    r = api.post(f"/contacts/{public}/projects.json", {"project": {"id": "b"}}, key=world.key("dev_a"))
    assert r.status_code == 403
    assert stored(api, world, public) == before
    # ... a Developer of both may
    r = api.post(f"/contacts/{public}/projects.json", {"project": {"id": "b"}}, key=world.key("dev_ab"))
    assert r.status_code == 204
    assert project_names(stored(api, world, public)) == ["A", "B"]


# ------------------------------------------------------------------ 2. project_ids and hidden projects

def test_project_ids_keeps_projects_the_caller_cannot_see(api, world):
    both = world.contact(project="a", first_name="Both", project_ids=["a", "c"])
    r = api.put(f"/contacts/{both}.json", {"contact": {"project_ids": ["a"]}}, key=world.key("dev_a"))
    assert r.status_code == 204
    assert project_names(stored(api, world, both)) == ["A", "C"]
    shown = body_json(api.get(f"/contacts/{both}.json", key=world.key("dev_a")))["contact"]
    assert shown["projects"] == [{"id": 2, "name": "A"}]
    r = api.get(f"/contacts/{both}.xml", key=world.key("dev_a"))
    assert '<projects type="array"><project id="2" name="A"/></projects>' in r.body.decode()
    # the hidden project cannot be unlinked either: it does not exist for this caller
    r = api.delete(f"/contacts/{both}/projects/c.json", key=world.key("dev_a"))
    assert (r.status_code, r.body) == (404, b"")
    assert project_names(stored(api, world, both)) == ["A", "C"]


def test_removing_a_visible_project_needs_edit_contacts_there(api, world):
    both = world.contact(project="a", first_name="Both", project_ids=["a", "c"])
    before = stored(api, world, both)
    key = world.key("dev_a_rep_c")    # sees C (Reporter) but may not edit there
    r = api.put(f"/contacts/{both}.json", {"contact": {"project_ids": ["a"]}}, key=key)
    assert (r.status_code, r.body) == (403, b"")
    r = api.delete(f"/contacts/{both}/projects/c.xml", key=key)
    assert (r.status_code, r.body) == (403, b"")
    assert stored(api, world, both) == before


# ------------------------------------------------------------------ 3. company renames

def test_a_company_rename_only_touches_people_the_caller_may_edit(api, world):
    mine = world.contact(project="a", first_name="Mine", company="Acme")
    private = world.contact(project="c", first_name="Hidden", company="Acme", visibility=2)
    other = world.contact(project="b", first_name="Other", company="Acme")
    before = {c: stored(api, world, c) for c in (private, other)}
    company = world.contact(key=world.key("dev_a"), project="a", first_name="Acme", is_company=True)
    r = api.put(f"/contacts/{company}.json", {"contact": {"first_name": "Evil"}}, key=world.key("dev_a"))
    assert r.status_code == 204
    assert stored(api, world, mine)["company"] == "Evil"
    for contact_id, contact in before.items():
        assert stored(api, world, contact_id) == contact      # company and updated_on untouched


# ------------------------------------------------------------------ 4. deals and hidden contacts

def test_deals_name_only_contacts_the_caller_sees(api, world):
    visible = world.contact(project="a", first_name="Seen")
    hidden = world.contact(project="c", first_name="Secret", last_name="Person")
    r = api.post("/deals.json", {"deal": {"name": "Big", "project_id": "a", "contact_id": visible,
                                          "related_contact_ids": [visible, hidden]}}, key=world.admin)
    deal = body_json(r)["deal"]["id"]
    key = world.key("dev_a")
    shown = body_json(api.get(f"/deals/{deal}.json", key=key))["deal"]
    assert shown["contact"] == {"id": visible, "name": "Seen"}
    assert shown["related_contacts"] == [{"id": visible, "name": "Seen"}]
    listed = body_json(api.get("/deals.json", key=key))["deals"]
    assert [d["related_contacts"] for d in listed] == [[{"id": visible, "name": "Seen"}]]
    xml = api.get(f"/deals/{deal}.xml", key=key).body.decode()
    assert f'<related_contacts type="array"><contact id="{visible}" name="Seen"/></related_contacts>' in xml
    assert "Secret" not in xml and "Secret" not in api.get("/deals.xml", key=key).body.decode()
    # the admin still sees both
    assert len(body_json(api.get(f"/deals/{deal}.json", key=world.admin))["deal"]["related_contacts"]) == 2


def test_deal_list_by_a_hidden_contact_answers_like_its_show(api, world):
    hidden = world.contact(project="c", first_name="Secret")
    written(api.post("/deals.json", {"deal": {"name": "Big", "project_id": "a", "related_contact_ids": [hidden]}},
             key=world.admin))
    key = world.key("dev_a")
    for fmt in ("json", "xml"):
        r = api.get(f"/deals.{fmt}?contact_id={hidden}", key=key)
        assert (r.status_code, r.body) == (403, b"")
        r = api.get(f"/deals.{fmt}?contact_id=999", key=key)
        assert (r.status_code, r.body) == (404, b"")
    assert api.get(f"/deals.json?contact_id={hidden}").status_code == 401
    assert body_json(api.get(f"/deals.json?contact_id={hidden}", key=world.admin))["total_count"] == 1


# ------------------------------------------------------------------ 5. tag spellings

def test_a_tag_on_hidden_contacts_tells_nothing_of_its_spelling(api, world):
    world.contact(project="c", first_name="Target", tag_list="Acquisition-Target-ZEUS", visibility=2)
    key = world.key("dev_a")
    r = api.post("/contacts.json", {"contact": {"first_name": "Mine", "project_id": "a",
                                                "tag_list": "acquisition-target-zeus"}}, key=key)
    assert body_json(r)["contact"]["tag_list"] == ["acquisition-target-zeus"]
    r = api.post("/contacts.xml", "<contact><first_name>Mine too</first_name><project_id>a</project_id>"
                 "<tag_list>ACQUISITION-target-zeus</tag_list></contact>", key=key, content_type="application/xml")
    # now the caller sees the tag, spelled as on its own contact
    assert "<tag_list>acquisition-target-zeus</tag_list>" in r.body.decode()
    for login in ("dev_a", "dev_ab"):
        tags = body_json(api.get("/contacts_tags.json", key=world.key(login)))["tags"]
        assert [t["name"] for t in tags] == ["acquisition-target-zeus"]
        assert "ZEUS" not in api.get("/contacts_tags.xml", key=world.key(login)).body.decode()
    assert body_json(api.get("/contacts_tags.json", key=world.key("dev_b")))["tags"] == []
    admin_tags = body_json(api.get("/contacts_tags.json", key=world.admin))["tags"]
    assert [t["name"] for t in admin_tags] == ["Acquisition-Target-ZEUS"]


def test_a_visible_tag_keeps_its_first_spelling(api, world):
    world.contact(project="a", first_name="V", tag_list="VIP")
    r = api.post("/contacts.json", {"contact": {"first_name": "W", "project_id": "a", "tag_list": ["vip"]}},
                 key=world.key("dev_a"))
    assert body_json(r)["contact"]["tag_list"] == ["VIP"]


# ------------------------------------------------------------------ 6. URLs the API writes

@pytest.mark.parametrize("headers, location", [
    ({"Host": "evil.example"}, "http://localhost/contacts/1"),
    ({"Host": "evil.example", "X-Forwarded-Proto": "javascript"}, "http://localhost/contacts/1"),
    ({"Host": "evil.example", "X-Forwarded-Proto": "https"}, "https://localhost/contacts/1"),
])
def test_location_never_follows_the_clients_host(api, crm, headers, location):
    r = api.post("/contacts.json", {"contact": {"first_name": "A", "project_id": "support"}},
                 key=crm.admin, headers=headers)
    assert (r.status_code, r.headers["Location"]) == (201, location)


def test_base_url_setting_wins(api, crm, monkeypatch):
    monkeypatch.setattr(config, "BASE_URL", "https://crm.example.com/api/")
    r = api.post("/contacts.xml", "<contact><first_name>A</first_name><project_id>support</project_id></contact>",
                 key=crm.admin, content_type="application/xml", headers={"Host": "evil.example"})
    assert r.headers["Location"] == "https://crm.example.com/api/contacts/1"


def test_gateway_domain_is_the_base_without_a_setting():
    from chalicelib.web.edge import _base_url

    class Request:
        context = {"domainName": "abc123.execute-api.eu-west-1.amazonaws.com", "stage": "api"}
    assert _base_url(Request(), {"host": "evil.example", "x-forwarded-proto": "http"}) == \
        "https://abc123.execute-api.eu-west-1.amazonaws.com/api"
    Request.context = {"domainName": "crm.example.com", "stage": "api"}
    assert _base_url(Request(), {}) == "https://crm.example.com"
    Request.context = {"domainName": "evil.example/<script>", "stage": "api"}
    assert _base_url(Request(), {}) == "http://localhost"


# ------------------------------------------------------------------ 7. deal assignees

def test_a_deal_assignee_must_see_the_deal(api, world):
    for fmt, body, content_type in (
            ("json", '{"deal":{"name":"D","project_id":"a","assigned_to_id":%d}}', "application/json"),
            ("xml", "<deal><name>D</name><project_id>a</project_id><assigned_to_id>%d</assigned_to_id></deal>",
             "application/xml")):
        for user in ("outsider", "dev_b"):
            r = api.post(f"/deals.{fmt}", body % world.user_id(user), key=world.admin, content_type=content_type)
            assert r.status_code == 422
            expected = '{"errors":["Assignee is invalid"]}' if fmt == "json" else \
                '<errors type="array"><error>Assignee is invalid</error></errors>'
            assert r.body.decode().endswith(expected)
    r = api.post("/deals.json", {"deal": {"name": "D", "project_id": "a", "assigned_to_id": world.user_id("dev_a")}},
                 key=world.admin)
    assert r.status_code == 201
    assert body_json(r)["deal"]["assigned_to"] == {"id": world.user_id("dev_a"), "name": "Dev_A Tester"}
    deal = body_json(r)["deal"]["id"]
    r = api.put(f"/deals/{deal}.json", {"deal": {"assigned_to_id": world.user_id("dev_b")}}, key=world.admin)
    assert (r.status_code, body_json(r)) == (422, {"errors": ["Assignee is invalid"]})
    # a contact the assignee cannot see hides the deal from it too
    hidden = world.contact(project="c", first_name="Secret")
    r = api.put(f"/deals/{deal}.json", {"deal": {"contact_id": hidden}}, key=world.admin)
    assert (r.status_code, body_json(r)) == (422, {"errors": ["Assignee is invalid"]})
    assert body_json(api.get(f"/deals/{deal}.json", key=world.admin))["deal"]["assigned_to"]["id"] == \
        world.user_id("dev_a")


# ------------------------------------------------------------------ 8. form posts with unknown keys

@pytest.mark.parametrize("key", ["wf_" + "0" * 40, "not-a-key"])
def test_an_unknown_key_gets_one_answer_whatever_it_sends(api, world, key):
    r = api.post("/projects/a/web_forms.json", {"web_form": {"name": "F", "redirect_urls": [f"{SITE}/thanks"]}},
                 key=world.admin)
    assert r.status_code == 201
    answers = set()
    for project in ("a", "b", "nope"):
        for url in (f"{SITE}/thanks", f"{SITE}/elsewhere", "https://evil.example/"):
            r = api.post(f"/contacts.json?key={key}",
                         f"project_id={project}&contact[first_name]=Ann&redirect_on_success={url}",
                         content_type="application/x-www-form-urlencoded")
            answers.add((r.status_code, r.body))
    assert answers == {(401, b"")}
    assert world.ids("/contacts.json")[1] == 0


def test_anonymous_posts_without_the_right_learn_nothing_of_redirects(api, world):
    written(api.post("/projects/a/web_forms.json", {"web_form": {"name": "F", "redirect_urls": [f"{SITE}/thanks"]}},
             key=world.admin))
    answers = {api.post("/contacts.json", f"project_id=a&contact[first_name]=Ann&redirect_on_success={url}",
                        content_type="application/x-www-form-urlencoded").status_code
               for url in (f"{SITE}/thanks", "https://evil.example/")}
    assert answers == {401}


def test_a_form_assignee_must_see_what_the_form_creates(api, world):
    for fmt, body, content_type in (
            ("json", '{"web_form":{"name":"F","assigned_to_id":%d}}', "application/json"),
            ("xml", "<web_form><name>F</name><assigned_to_id>%d</assigned_to_id></web_form>", "application/xml")):
        r = api.post(f"/projects/a/web_forms.{fmt}", body % world.user_id("dev_b"), key=world.admin,
                     content_type=content_type)
        assert r.status_code == 422
        assert "Assigned to is invalid" in r.body.decode()
    r = api.post("/projects/a/web_forms.json", {"web_form": {"name": "F", "assigned_to_id": world.user_id("dev_a")}},
                 key=world.admin)
    assert (r.status_code, body_json(r)["web_form"]["assigned_to_id"]) == (201, world.user_id("dev_a"))
