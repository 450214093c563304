"""Authorization checked against a model: hypothesis generates small CRMs through the API
(projects public, private and a subproject; roles with random permissions, the Non member and
Anonymous roles included; admins, members, a non-member, a locked user and anonymous callers;
contacts, deals, notes, tickets and an avatar), and every caller's answers are compared with an
oracle written here from SPEC section 2 alone. The oracle does not import the application's
policy: it is a second, independent reading of the rules.

`make test` runs a fixed set of 10 worlds (derandomized; about 15 s each on moto) and prints how
many worlds and answers it compared at the end of the run; POLICY_MODEL_WORLDS=200 makes a
longer run with more worlds.
"""
import os
import random

import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from tests.conftest import SUMMARY, Api, body_json

pytestmark = pytest.mark.generated

CATALOGUE = ["view_contacts", "view_private_contacts", "add_contacts", "edit_contacts", "delete_contacts",
             "add_notes", "delete_notes", "delete_own_notes", "view_deals", "add_deals", "edit_deals",
             "delete_deals", "manage_contacts"]
NAMES = ["Anna", "Boris", "Carla", "Dmitri", "Elena", "Farid", "Greta", "Hugo"]
COMPANIES = ["Acme", "Globex"]
TAGS = ["vip", "Cold call", "lead"]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
WORLDS = int(os.environ.get("POLICY_MODEL_WORLDS", "10"))
COUNTS = {"worlds": 0, "answers": 0}


# ================================================================== the oracle (SPEC section 2)

class Oracle:
    """What every caller may see and do, from the world as the admin reads it."""

    def __init__(self, world):
        self.w = world

    def perms(self, caller, project_id) -> set:
        project = self.w["projects"][project_id]
        if caller["admin"]:
            return set(CATALOGUE)
        if caller["anonymous"]:
            return set(self.w["anonymous_perms"]) if project["public"] else set()
        member = caller["memberships"].get(project_id)
        if member is not None:
            return set().union(*(self.w["roles"][r] for r in member))
        return set(self.w["non_member_perms"]) if project["public"] else set()

    def may(self, caller, perm, project_id) -> bool:
        return perm in self.perms(caller, project_id)

    def anywhere(self, caller, perm) -> bool:
        return any(self.may(caller, perm, p) for p in self.w["projects"])

    def sees_project(self, caller, project_id) -> bool:
        project = self.w["projects"][project_id]
        return caller["admin"] or project["public"] or (
            not caller["anonymous"] and project_id in caller["memberships"])

    def sees_contact(self, caller, contact) -> bool:
        if caller["admin"]:
            return True
        projects = contact["projects"]
        if contact["visibility"] == 1:
            return self.anywhere(caller, "view_contacts")
        if contact["visibility"] == 0:
            return any(self.may(caller, "view_contacts", p) for p in projects)
        if caller["anonymous"]:
            return False
        if any(self.may(caller, "view_private_contacts", p) for p in projects):
            return True
        own = caller["id"] in (contact["author"], contact["assignee"])
        return own and any(self.may(caller, "view_contacts", p) for p in projects)

    def assignee_ok(self, user, contact) -> bool:
        """An assignee is an active user who sees the contact (a locked one sees nothing)."""
        return not user["anonymous"] and self.sees_contact(user, contact)

    def may_on_contact(self, caller, perm, contact) -> bool:
        return self.sees_contact(caller, contact) and any(self.may(caller, perm, p) for p in contact["projects"])

    def sees_deal(self, caller, deal) -> bool:
        if not self.may(caller, "view_deals", deal["project"]):
            return False
        contact = self.w["contacts"].get(deal["contact"])
        return contact is None or self.sees_contact(caller, contact)

    def sees_note(self, caller, note) -> bool:
        if note["source_type"] == "Deal":
            return self.sees_deal(caller, self.w["deals"][note["source"]])
        return self.sees_contact(caller, self.w["contacts"][note["source"]])

    def subprojects(self, project_id) -> set:
        found, frontier = {project_id}, [project_id]
        while frontier:
            current = frontier.pop()
            for pid, project in self.w["projects"].items():
                if project["parent"] == current and pid not in found:
                    found.add(pid)
                    frontier.append(pid)
        return found

    def refused(self, caller) -> int:
        return 401 if caller["anonymous"] else 403


# ================================================================== generating worlds

@st.composite
def worlds(draw):
    count = draw(st.integers(2, 4))
    projects = []
    for n in range(count):
        public = n == 0 or (n > 1 and draw(st.booleans()))
        parent = draw(st.sampled_from(range(n))) if n == count - 1 and count > 2 else None
        projects.append({"public": public, "parent": parent})
    perm_sets = st.sets(st.sampled_from(CATALOGUE))
    roles = [sorted(draw(perm_sets)) for _ in range(2)]
    non_member, anonymous = sorted(draw(perm_sets)), sorted(draw(perm_sets))
    members = []
    for _ in range(draw(st.integers(2, 4))):
        memberships = {}
        for p in range(count):
            if draw(st.booleans()):
                memberships[p] = draw(st.sets(st.sampled_from(range(len(roles))), min_size=1, max_size=2))
        members.append({"admin": False, "locked": False, "memberships": memberships})
    members.append({"admin": False, "locked": False, "memberships": {}})          # a non-member
    members.append({"admin": False, "locked": True,                               # a locked member
                    "memberships": {p: {0} for p in range(count)}})
    users = len(members) + 1   # with the admin
    contacts = []
    for _ in range(draw(st.integers(10, 30))):
        is_company = draw(st.integers(0, 5)) == 0
        contacts.append({
            "first_name": draw(st.sampled_from(COMPANIES)) if is_company else draw(st.sampled_from(NAMES)),
            "is_company": is_company,
            "company": None if is_company else draw(st.sampled_from([None] + COMPANIES)),
            "visibility": draw(st.integers(0, 2)),
            "projects": sorted(draw(st.sets(st.integers(0, count - 1), min_size=1, max_size=2))),
            "author": draw(st.integers(0, users - 1)),
            "assignee": draw(st.sampled_from([None] + list(range(users)))),
            "tags": sorted(draw(st.sets(st.sampled_from(TAGS), max_size=2))),
        })
    n_contacts = len(contacts)
    deals = [{"project": draw(st.integers(0, count - 1)),
              "contact": draw(st.sampled_from([None] + list(range(n_contacts)))),
              "related": sorted(draw(st.sets(st.integers(0, n_contacts - 1), max_size=3)))}
             for _ in range(draw(st.integers(0, 4)))]
    notes = [(draw(st.sampled_from(["Contact", "Deal"] if deals else ["Contact"])),
              draw(st.integers(0, 10 ** 6))) for _ in range(draw(st.integers(0, 4)))]
    tickets = [draw(st.integers(0, n_contacts - 1)) for _ in range(draw(st.integers(0, 3)))]
    avatar = draw(st.sampled_from([None] + list(range(n_contacts))))
    writer = random.Random(draw(st.integers(0, 2 ** 32)))
    return {"projects": projects, "roles": roles, "non_member": non_member, "anonymous": anonymous,
            "members": members, "contacts": contacts, "deals": deals, "notes": notes,
            "tickets": tickets, "avatar": avatar, "random": writer}


class Built:
    """A generated world made through the API, and what the admin reads of it."""

    def __init__(self, api, spec):
        self.api, self.spec = api, spec
        self.answers = 0

    def ok(self, response, status=(200, 201, 204)):
        assert response.status_code in ((status,) if isinstance(status, int) else status), \
            (response.status_code, response.body[:300])
        return body_json(response) if response.body and response.headers.get("Content-Type", "").startswith(
            "application/json") else None

    def build(self, admin_key):
        api, spec = self.api, self.spec
        self.admin_key = admin_key
        admin_id = body_json(api.get("/users/current.json", key=admin_key))["user"]["id"]
        role_ids = {r["name"]: r["id"] for r in self.ok(api.get("/roles.json", key=admin_key))["roles"]}
        roles = {}
        for n, perms in enumerate(spec["roles"]):
            doc = self.ok(api.post("/roles.json", {"role": {"name": f"Role {n}", "permissions": perms}},
                                   key=admin_key))
            roles[n] = doc["role"]["id"]
        self.ok(api.put(f"/roles/{role_ids['Non member']}.json",
                        {"role": {"permissions": spec["non_member"]}}, key=admin_key))
        self.ok(api.put(f"/roles/{role_ids['Anonymous']}.json",
                        {"role": {"permissions": spec["anonymous"]}}, key=admin_key))
        projects = {}
        for n, project in enumerate(spec["projects"]):
            body = {"name": f"P{n}", "identifier": f"p{n}", "is_public": project["public"]}
            if project["parent"] is not None:
                body["parent_id"] = projects[project["parent"]]
            projects[n] = self.ok(api.post("/projects.json", {"project": body}, key=admin_key))["project"]["id"]
        self.callers = [{"id": admin_id, "admin": True, "anonymous": False, "memberships": {},
                         "key": admin_key, "login": "admin"}]
        for n, member in enumerate(spec["members"]):
            doc = self.ok(api.post("/users.json", {"user": {
                "login": f"user{n}", "firstname": "User", "lastname": str(n), "mail": f"user{n}@example.com",
                "password": "a-long-password"}}, key=admin_key))
            user_id, key = doc["user"]["id"], doc["user"]["api_key"]
            for p, role_set in member["memberships"].items():
                self.ok(api.post(f"/projects/{projects[p]}/memberships.json",
                                 {"membership": {"user_id": user_id, "role_ids": [roles[r] for r in role_set]}},
                                 key=admin_key))
            if member["locked"]:
                self.ok(api.put(f"/users/{user_id}.json", {"user": {"status": 3}}, key=admin_key))
            self.callers.append({
                "id": user_id, "admin": False, "anonymous": member["locked"], "key": key, "login": f"user{n}",
                "memberships": {projects[p]: {roles[r] for r in rs} for p, rs in member["memberships"].items()}})
        self.callers.append({"id": None, "admin": False, "anonymous": True, "memberships": {}, "key": None,
                             "login": "anonymous"})
        self.world = {
            "projects": {projects[n]: {"public": p["public"],
                                       "parent": projects[p["parent"]] if p["parent"] is not None else None}
                         for n, p in enumerate(spec["projects"])},
            "roles": {roles[n]: set(perms) for n, perms in enumerate(spec["roles"])},
            "non_member_perms": set(spec["non_member"]), "anonymous_perms": set(spec["anonymous"]),
            "contacts": {}, "deals": {}, "notes": {}, "tickets": {}, "attachments": {},
        }
        self.oracle = Oracle(self.world)
        users = [c for c in self.callers if c["id"] is not None]
        for n, contact in enumerate(spec["contacts"]):
            self._contact(n, contact, projects, users)
        contact_ids = sorted(self.world["contacts"])
        for deal in spec["deals"]:
            body = {"name": "Deal", "project_id": projects[deal["project"]],
                    "related_contact_ids": [contact_ids[c] for c in deal["related"]]}
            if deal["contact"] is not None:
                body["contact_id"] = contact_ids[deal["contact"]]
            doc = self.ok(api.post("/deals.json", {"deal": body}, key=admin_key))["deal"]
            self.world["deals"][doc["id"]] = {"project": body["project_id"], "contact": body.get("contact_id"),
                                              "related": body["related_contact_ids"]}
        deal_ids = sorted(self.world["deals"])
        for kind, pick in spec["notes"]:
            source = (deal_ids if kind == "Deal" else contact_ids)[pick % len(deal_ids if kind == "Deal" else contact_ids)]
            doc = self.ok(api.post("/notes.json", {"note": {"content": "Called", "source_type": kind,
                                                            "source_id": source}}, key=admin_key))["note"]
            self.world["notes"][doc["id"]] = {"source_type": kind, "source": source, "author": admin_id}
        for pick in spec["tickets"]:
            contact_id = contact_ids[pick]
            doc = self.ok(api.post("/tickets.json", {"ticket": {"subject": "Help", "contact_id": contact_id}},
                                   key=admin_key))["ticket"]
            self.world["tickets"][doc["id"]] = {"contact": contact_id}
        if spec["avatar"] is not None:
            token = self.ok(api.post("/uploads.json", PNG, key=admin_key,
                                     content_type="application/octet-stream"))["upload"]["token"]
            contact_id = contact_ids[spec["avatar"]]
            self.ok(api.put(f"/contacts/{contact_id}.json", {"contact": {"avatar": {"token": token}}}, key=admin_key))
            attachment = self.ok(api.get(f"/contacts/{contact_id}.json", key=admin_key))["contact"]["avatar"]
            self.world["attachments"][attachment["attachment_id"]] = {"contact": contact_id}
        self.projects = projects

    def _contact(self, n, contact, projects, users):
        authors = [u for u in users if not u["anonymous"]]     # a locked user cannot be named author
        author = authors[contact["author"] % len(authors)]
        assignee = users[contact["assignee"]] if contact["assignee"] is not None else None
        model = {"visibility": contact["visibility"], "projects": [projects[p] for p in contact["projects"]],
                 "author": author["id"], "assignee": assignee["id"] if assignee else None,
                 "tags": contact["tags"], "first_name": contact["first_name"], "company": contact["company"],
                 "is_company": contact["is_company"]}
        body = {"first_name": contact["first_name"], "is_company": contact["is_company"],
                "visibility": contact["visibility"], "project_ids": model["projects"],
                "author_id": author["id"], "tag_list": contact["tags"]}
        if contact["company"]:
            body["company"] = contact["company"]
        if assignee is not None:
            body["assigned_to_id"] = assignee["id"]
            # SPEC section 5: the assigned user must exist and see the contact (locked: it sees nothing)
            allowed = self.oracle.assignee_ok(assignee, model)
            r = self.api.post("/contacts.json", {"contact": body}, key=self.admin_key)
            self.answers += 1
            if not allowed:
                assert (r.status_code, body_json(r)) == (422, {"errors": ["Assigned to is invalid"]})
                del body["assigned_to_id"]
                model["assignee"] = None
            else:
                assert r.status_code == 201, r.body
                self.world["contacts"][body_json(r)["contact"]["id"]] = model
                return
        doc = self.ok(self.api.post("/contacts.json", {"contact": body}, key=self.admin_key))["contact"]
        self.world["contacts"][doc["id"]] = model


# ================================================================== reading as every caller

def _get(built, caller, path):
    headers = {"Accept": "*/*"} if path.startswith("/attachments") else None
    return built.api.get(path, key=caller["key"], headers=headers)


def check_reads(built, caller):
    oracle, world = built.oracle, built.world
    compared = 0
    refused = oracle.refused(caller)
    visible = {cid for cid, c in world["contacts"].items() if oracle.sees_contact(caller, c)}
    lists_allowed = caller["admin"] or oracle.anywhere(caller, "view_contacts")

    def expect_list(path, expected_ids, root="contacts"):
        nonlocal compared
        r = _get(built, caller, path)
        if expected_ids is None:
            assert (r.status_code, r.body) == (refused, b""), (caller["login"], path, r.status_code)
            compared += 1
            return
        assert r.status_code == 200, (caller["login"], path, r.status_code, r.body[:200])
        doc = body_json(r)
        got = sorted(item["id"] for item in doc[root])
        assert got == sorted(expected_ids), (caller["login"], path, got, sorted(expected_ids))
        assert doc["total_count"] == len(expected_ids)
        compared += len(world[root]) + 1   # every object's presence or absence, and the count

    expect_list("/contacts.json?limit=100", visible if lists_allowed else None)
    for pid in world["projects"]:
        path = f"/contacts.json?limit=100&project_id={pid}"
        if not oracle.sees_project(caller, pid):
            r = _get(built, caller, path)
            assert (r.status_code, r.body) == (404, b""), (caller["login"], path)
            compared += 1
            continue
        scope = oracle.subprojects(pid)
        expect_list(path, {cid for cid in visible if scope & set(world["contacts"][cid]["projects"])}
                    if oracle.may(caller, "view_contacts", pid) else None)
    for tag in TAGS:
        expect_list(f"/contacts.json?limit=100&tags={tag.upper().replace(' ', '%20')}",
                    {cid for cid in visible if tag in world["contacts"][cid]["tags"]} if lists_allowed else None)
    word = built.spec["random"].choice(NAMES + COMPANIES)[1:4].lower()
    expect_list(f"/contacts.json?limit=100&search={word}",
                {cid for cid in visible if word in world["contacts"][cid]["first_name"].lower()
                 or word in (world["contacts"][cid]["company"] or "").lower()} if lists_allowed else None)

    # tags and the address book
    r = _get(built, caller, "/contacts_tags.json")
    if lists_allowed:
        names = sorted(t["name"].casefold() for t in body_json(r)["tags"])
        expected = sorted({t.casefold() for cid in visible for t in world["contacts"][cid]["tags"]})
        assert names == expected, (caller["login"], names, expected)
        r = _get(built, caller, "/contacts.vcf")
        assert r.body.decode().count("BEGIN:VCARD") == len(visible)
        compared += 2 * len(TAGS) + len(world["contacts"])
    else:
        assert r.status_code == refused
        compared += 1

    # every contact's show with its includes
    visible_deals = {did for did, d in world["deals"].items() if oracle.sees_deal(caller, d)}
    for cid, contact in world["contacts"].items():
        r = _get(built, caller, f"/contacts/{cid}.json?include=notes,contacts,deals,tickets")
        compared += 1
        if cid not in visible:
            assert (r.status_code, r.body) == (refused, b""), (caller["login"], cid)
            continue
        assert r.status_code == 200, (caller["login"], cid, r.status_code)
        doc = body_json(r)["contact"]
        assert sorted(p["id"] for p in doc["projects"]) == \
            sorted(p for p in contact["projects"] if oracle.sees_project(caller, p))
        notes = sorted(nid for nid, n in world["notes"].items() if n["source_type"] == "Contact" and n["source"] == cid)
        assert sorted(n["id"] for n in doc.get("notes", [])) == notes
        deals = sorted(did for did in visible_deals
                       if world["deals"][did]["contact"] == cid or cid in world["deals"][did]["related"])
        assert sorted(d["id"] for d in doc.get("deals", [])) == deals
        tickets = sorted(tid for tid, t in world["tickets"].items() if t["contact"] == cid)
        assert sorted(t["id"] for t in doc.get("tickets", [])) == tickets
        people = sorted(pid for pid in visible if pid != cid and contact["is_company"]
                        and (world["contacts"][pid]["company"] or "").casefold() == contact["first_name"].casefold())
        assert sorted(p["id"] for p in doc.get("contacts", [])) == people, (caller["login"], cid)
        compared += 5

    # deals: the list, each show, and the contacts each names
    deals_allowed = caller["admin"] or oracle.anywhere(caller, "view_deals")
    expect_list("/deals.json?limit=100", visible_deals if deals_allowed else None, root="deals")
    for did, deal in world["deals"].items():
        r = _get(built, caller, f"/deals/{did}.json")
        compared += 1
        if did not in visible_deals:
            assert (r.status_code, r.body) == (refused, b""), (caller["login"], did)
            continue
        doc = body_json(r)["deal"]
        assert sorted(c["id"] for c in doc["related_contacts"]) == sorted(c for c in deal["related"] if c in visible)
        assert doc.get("contact", {}).get("id") == (deal["contact"] if deal["contact"] in visible else None)
        compared += 2

    # notes, tickets, attachments
    for nid, note in world["notes"].items():
        r = _get(built, caller, f"/notes/{nid}.json")
        assert r.status_code == (200 if oracle.sees_note(caller, note) else refused), (caller["login"], nid)
        compared += 1
    visible_tickets = {tid for tid, t in world["tickets"].items() if t["contact"] in visible}
    expect_list("/tickets.json?limit=100", visible_tickets if lists_allowed else None, root="tickets")
    for tid in world["tickets"]:
        r = _get(built, caller, f"/tickets/{tid}.json")
        assert r.status_code == (200 if tid in visible_tickets else refused), (caller["login"], tid)
        compared += 1
    for aid, attachment in world["attachments"].items():
        r = _get(built, caller, f"/attachments/{aid}")
        assert r.status_code == (200 if attachment["contact"] in visible else refused), (caller["login"], aid)
        compared += 1
    return compared


# ================================================================== writing as every caller

def admin_snapshot(built, targets) -> dict:
    """What a refused write must leave alone, as the admin reads it: every contact, deal and
    ticket, and the notes of the contacts written to."""
    api, key = built.api, built.admin_key
    contacts = {c["id"]: c for c in body_json(api.get("/contacts.json?limit=100&include=projects", key=key))["contacts"]}
    deals = {d["id"]: d for d in body_json(api.get("/deals.json?limit=100", key=key))["deals"]}
    tickets = {t["id"]: t for t in body_json(api.get("/tickets.json?limit=100", key=key))["tickets"]}
    notes = {}
    for cid in targets:
        doc = body_json(api.get(f"/contacts/{cid}.json?include=notes", key=key))["contact"]
        notes[cid] = doc.get("notes", [])
    return {"contacts": contacts, "deals": deals, "tickets": tickets, "notes": notes}


def check_writes(built, caller):
    """Every write endpoint on a sample of targets: allowed exactly when the oracle says so, and a
    refused write changes nothing."""
    oracle, world, api = built.oracle, built.world, built.api
    refused = oracle.refused(caller)
    rng = built.spec["random"]
    compared = 0
    contact_ids = sorted(world["contacts"])
    targets = rng.sample(contact_ids, min(3, len(contact_ids)))
    before = admin_snapshot(built, targets)
    changed = set()            # what allowed writes touched: everything else must stay as it was
    project_ids = sorted(world["projects"])
    for cid in targets:
        contact = world["contacts"][cid]
        sees = oracle.sees_contact(caller, contact)
        # update: job title only, which no rule depends on
        r = api.put(f"/contacts/{cid}.json", {"contact": {"job_title": f"by {caller['login']}"}}, key=caller["key"])
        expected = 204 if oracle.may_on_contact(caller, "edit_contacts", contact) else refused
        assert r.status_code == expected, (caller["login"], "update", cid, r.status_code, r.body)
        if r.status_code == 204:
            changed.add(("contact", cid))
        # link a project
        target = rng.choice(project_ids)
        r = api.post(f"/contacts/{cid}/projects.json", {"project": {"id": target}}, key=caller["key"])
        if not sees:
            expected = refused
        elif not oracle.sees_project(caller, target):
            expected = 404
        elif oracle.may_on_contact(caller, "edit_contacts", contact) and oracle.may(caller, "edit_contacts", target):
            expected = 204
        else:
            expected = refused
        assert r.status_code == expected, (caller["login"], "link", cid, target, r.status_code)
        if r.status_code == 204 and target not in contact["projects"]:
            contact["projects"] = contact["projects"] + [target]
            changed.add(("contact", cid))
        # a note on it
        r = api.post(f"/contacts/{cid}/notes.json", {"note": {"content": "Hello"}}, key=caller["key"])
        expected = 201 if sees and any(oracle.may(caller, "add_notes", p) for p in contact["projects"]) else refused
        assert r.status_code == expected, (caller["login"], "note", cid, r.status_code)
        if r.status_code == 201:
            world["notes"][body_json(r)["note"]["id"]] = {"source_type": "Contact", "source": cid,
                                                           "author": caller["id"]}
            changed.add(("contact", cid))      # a note moves its contact's updated_on
        # a ticket on it
        r = api.post("/tickets.json", {"ticket": {"subject": "Help", "contact_id": cid}}, key=caller["key"])
        expected = 201 if oracle.may_on_contact(caller, "edit_contacts", contact) else refused
        assert r.status_code == expected, (caller["login"], "ticket", cid, r.status_code)
        if r.status_code == 201:
            world["tickets"][body_json(r)["ticket"]["id"]] = {"contact": cid}
        compared += 4
    for did, deal in list(world["deals"].items())[:2]:
        r = api.put(f"/deals/{did}.json", {"deal": {"background": "x"}}, key=caller["key"])
        expected = 204 if oracle.sees_deal(caller, deal) and oracle.may(caller, "edit_deals", deal["project"]) \
            else refused
        assert r.status_code == expected, (caller["login"], "deal update", did, r.status_code)
        if r.status_code == 204:
            changed.add(("deal", did))
        compared += 1
    for nid, note in list(world["notes"].items())[:2]:
        r = api.put(f"/notes/{nid}.json", {"note": {"content": "changed"}}, key=caller["key"])
        source = world["deals"][note["source"]]["project"] if note["source_type"] == "Deal" else None
        projects = [source] if source else world["contacts"][note["source"]]["projects"]
        may = oracle.sees_note(caller, note) and (
            any(oracle.may(caller, "delete_notes", p) for p in projects)
            or (note["author"] == caller["id"] and caller["id"] is not None and not caller["anonymous"]
                and any(oracle.may(caller, "delete_own_notes", p) for p in projects)))
        assert r.status_code == (204 if may else refused), (caller["login"], "note update", nid, r.status_code)
        compared += 1
    # creates: a contact and a deal in a random project
    target = rng.choice(project_ids)
    r = api.post("/contacts.json", {"contact": {"first_name": "Newcomer", "project_id": target}}, key=caller["key"])
    if caller["anonymous"] and caller["key"]:
        expected = 401            # a key that does not authenticate (a locked user's) learns nothing
    elif not oracle.sees_project(caller, target):
        expected = 404
    else:
        expected = 201 if oracle.may(caller, "add_contacts", target) else refused
    assert r.status_code == expected, (caller["login"], "create contact", target, r.status_code)
    if r.status_code == 201:
        world["contacts"][body_json(r)["contact"]["id"]] = {
            "visibility": 0, "projects": [target], "author": caller["id"] if not caller["anonymous"] else None,
            "assignee": None, "tags": [], "first_name": "Newcomer", "company": None, "is_company": False}
    r = api.post("/deals.json", {"deal": {"name": "New deal", "project_id": target}}, key=caller["key"])
    if not oracle.sees_project(caller, target):
        expected = 404
    else:
        expected = 201 if oracle.may(caller, "add_deals", target) else refused
    assert r.status_code == expected, (caller["login"], "create deal", target, r.status_code)
    if r.status_code == 201:
        world["deals"][body_json(r)["deal"]["id"]] = {"project": target, "contact": None, "related": []}
    compared += 2
    # unlink and delete, last: they change what everyone else sees
    cid = targets[0]
    contact = world["contacts"][cid]
    target = rng.choice(contact["projects"])
    r = api.delete(f"/contacts/{cid}/projects/{target}.json", key=caller["key"])
    if not oracle.sees_contact(caller, contact):
        expected = refused
    elif not oracle.sees_project(caller, target):
        expected = 404
    elif not oracle.may(caller, "edit_contacts", target):
        expected = refused
    elif len(contact["projects"]) == 1:
        expected = 422
    else:
        remaining = dict(contact, projects=[p for p in contact["projects"] if p != target])
        assignee = next((c for c in built.callers if c["id"] is not None and c["id"] == contact["assignee"]), None)
        expected = 204 if assignee is None or oracle.assignee_ok(assignee, remaining) else 422
    assert r.status_code == expected, (caller["login"], "unlink", cid, target, r.status_code, contact, r.body)
    if r.status_code == 204:
        contact["projects"] = [p for p in contact["projects"] if p != target]
        changed.add(("contact", cid))
    compared += 1
    after = admin_snapshot(built, targets)
    compared += check_unchanged(before, after, built, caller, changed)
    victim = targets[-1]
    r = api.delete(f"/contacts/{victim}.json", key=caller["key"])
    allowed = oracle.may_on_contact(caller, "delete_contacts", world["contacts"][victim])
    assert r.status_code == (204 if allowed else refused), (caller["login"], "delete", victim, r.status_code)
    exists = api.get(f"/contacts/{victim}.json", key=built.admin_key).status_code
    assert exists == (404 if allowed else 200)
    if allowed:
        del world["contacts"][victim]
        for tid in [t for t, ticket in world["tickets"].items() if ticket["contact"] == victim]:
            del world["tickets"][tid]
        for nid in [n for n, note in world["notes"].items()
                    if note["source_type"] == "Contact" and note["source"] == victim]:
            del world["notes"][nid]
        for aid in [a for a, att in world["attachments"].items() if att["contact"] == victim]:
            del world["attachments"][aid]
    return compared + 2


def check_unchanged(before, after, built, caller, changed) -> int:
    """What the caller was refused stayed as it was; what it was allowed is all that changed."""
    world = built.world
    compared = 0
    for cid, old in before["contacts"].items():
        new = after["contacts"].get(cid)
        if ("contact", cid) not in changed:
            assert new == old, (caller["login"], "a refused write changed a contact", cid)
        assert sorted(p["id"] for p in new["projects"]) == sorted(world["contacts"][cid]["projects"]), \
            (caller["login"], cid)
        compared += 2
    for did, old in before["deals"].items():
        if ("deal", did) not in changed:
            assert after["deals"][did] == old, (caller["login"], "a refused write changed a deal", did)
        compared += 1
    assert set(after["tickets"]) == set(world["tickets"])
    assert {n["id"] for notes in after["notes"].values() for n in notes} == \
        {nid for nid, n in world["notes"].items() if n["source_type"] == "Contact" and n["source"] in after["notes"]}
    return compared + 2


# ================================================================== the property

# No shrinking: each world costs seconds of requests; a failure prints the world it came from.
@settings(max_examples=WORLDS, deadline=None, derandomize=True, database=None, print_blob=True,
          suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
@given(spec=worlds())
def test_every_answer_matches_the_model(spec):
    from moto.core.base_backend import BackendDict
    BackendDict.reset()            # every world starts from an empty store (the suite's mock stays on)
    if True:
        from chalicelib.services.defaults import ensure_defaults
        from chalicelib.services.users import create_account
        from chalicelib.store.files import create_bucket
        from chalicelib.store.operations import create_tables
        create_tables()
        create_bucket()
        ensure_defaults()
        _user, admin_key = create_account({"login": "admin", "firstname": "Admin", "lastname": "Tester",
                                           "mail": "admin@example.com", "password": "a-long-password"}, admin=True)
        built = Built(Api(), spec)
        built.build(admin_key)
        compared = built.answers
        for caller in built.callers:
            compared += check_reads(built, caller)
        for caller in built.callers:
            compared += check_writes(built, caller)
        COUNTS["worlds"] += 1
        COUNTS["answers"] += compared


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    SUMMARY.append(f"policy model: {COUNTS['worlds']} worlds, {COUNTS['answers']} answers compared with the oracle"
                   f" (POLICY_MODEL_WORLDS={WORLDS})")
