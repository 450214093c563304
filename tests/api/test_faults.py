"""Fault injection: every DynamoDB and S3 call of a write, one at a time, fails as AWS may
answer (throttled, internal error, transaction cancelled; S3 slow down, internal error). The
answer is the write's success or 503 with Retry-After, and afterwards the consistency checker
finds nothing out of place: no half-written contact, entry, counter, note or avatar."""
import pytest

from chalicelib.store import consistency
from chalicelib.store.embedded import catch_up
from tests import faults
from tests.conftest import SUMMARY, body_json

pytestmark = pytest.mark.generated

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
RUNS = []


class Scene:
    """A world to break writes in: a manager (not an admin, so permissions are read too) on two
    projects, and for each run a fresh contact with tags, a company, a note, a ticket and an avatar."""

    def __init__(self, api, crm):
        self.api, self.crm = api, crm
        crm.project("sales")
        crm.member("manager", "support", "Manager")
        crm.member("manager", "sales", "Manager")
        self.key = crm.key("manager")
        self.manager = crm.user_id("manager")
        self.runs = 0

    def fresh_tag(self) -> str:
        self.runs += 1
        return f"new{self.runs}"

    def upload(self) -> str:
        r = self.api.post("/uploads.json", PNG, key=self.key, content_type="application/octet-stream")
        assert r.status_code == 201, r.body
        return body_json(r)["upload"]["token"]

    def contact(self) -> int:
        contact = self.crm.contact(key=self.key, first_name="Ann", last_name="Lee", company="Acme",
                                   tag_list="vip, lead", visibility=0, avatar={"token": self.upload()})
        assert self.api.post(f"/contacts/{contact}/notes.json", {"note": {"content": "Called"}},
                             key=self.key).status_code == 201
        r = self.api.post("/tickets.json", {"ticket": {"subject": "Help", "contact_id": contact,
                                                       "project_id": "support"}}, key=self.key)
        assert r.status_code == 201, r.body
        return contact

    def shown(self, contact: int):
        r = self.api.get(f"/contacts/{contact}.json?include=notes", key=self.crm.admin)
        return body_json(r)["contact"] if r.status_code == 200 else None


# Each write: (prepare(scene) -> target, do(scene, target) -> response, took(scene, target, answer) -> bool)
# `took` tells whether the write's effect is stored (after a success it must be).

def _create(scene):
    return scene.upload(), scene.fresh_tag()      # a tag never seen: its record is written too


def _do_create(scene, target):
    token, tag = target
    return scene.api.post("/contacts.json", {"contact": {
        "first_name": "Bo", "last_name": "Ray", "company": "Acme", "project_id": "support",
        "tag_list": f"vip, {tag}", "avatar": {"token": token}}}, key=scene.key)


def _took_create(scene, target, answer):
    token, tag = target
    found = body_json(scene.api.get(f"/contacts.json?tags={tag}", key=scene.crm.admin))["contacts"]
    return len(found) == 1


def _do_update(scene, contact):
    return scene.api.put(f"/contacts/{contact}.json", {"contact": {
        "tag_list": "lead, other", "company": "Beta", "visibility": 1, "assigned_to_id": scene.manager,
        "project_ids": ["sales"], "job_title": "Boss"}}, key=scene.key)


def _took_update(scene, contact, answer):
    shown = scene.shown(contact)
    return shown["job_title"] == "Boss"


def _do_delete(scene, contact):
    return scene.api.delete(f"/contacts/{contact}.json", key=scene.key)


def _took_delete(scene, contact, answer):
    return scene.shown(contact) is None


def _do_link(scene, contact):
    return scene.api.post(f"/contacts/{contact}/projects.json", {"project": {"id": "sales"}}, key=scene.key)


def _took_link(scene, contact, answer):
    return len(scene.shown(contact)["projects"]) == 2


def _do_note(scene, contact):
    return scene.api.post(f"/contacts/{contact}/notes.json", {"note": {"content": "Second call"}}, key=scene.key)


def _took_note(scene, contact, answer):
    return len(scene.shown(contact)["notes"]) == 2


def _claim(scene):
    return scene.contact(), scene.upload()


def _do_claim(scene, target):
    contact, token = target
    return scene.api.put(f"/contacts/{contact}.json", {"contact": {"avatar": {"token": token}}}, key=scene.key)


def _took_claim(scene, target, answer):
    contact, token = target
    return scene.shown(target[0])["avatar"]["attachment_id"] == int(token.split(".")[0])


def _nothing(scene):
    return None


def _do_upload(scene, _target):
    return scene.api.post("/uploads.json", PNG, key=scene.key, content_type="application/octet-stream")


def _took_upload(scene, _target, answer):
    token = body_json(answer)["upload"]["token"]
    return scene.api.get(f"/attachments/{token.split('.')[0]}.png", key=scene.key).status_code == 200


WRITES = {
    "create": (_create, _do_create, _took_create),
    "update": (Scene.contact, _do_update, _took_update),
    "delete": (Scene.contact, _do_delete, _took_delete),
    "link": (Scene.contact, _do_link, _took_link),
    "note create": (Scene.contact, _do_note, _took_note),
    "avatar claim": (_claim, _do_claim, _took_claim),
    "upload": (_nothing, _do_upload, _took_upload),
}
# Calls whose failure may leave a stored file without a record (garbage, never seen by a
# client): removing a file after its record went, writing a record after its file.
GARBAGE_AFTER = {"avatar claim": "s3:DeleteObject", "delete": "s3:DeleteObject", "upload": "dynamodb:PutItem"}


def _positions(scene, write):
    """The calls the write makes once the scene is warm (the first write of a kind may read a
    few things once, such as the spelling of a tag nobody carried yet)."""
    prepare, do, _took = WRITES[write]
    for _ in range(2):
        target = prepare(scene)
        with faults.counting() as plan:
            response = do(scene, target)
        assert response.status_code in (200, 201, 204), (write, response.status_code, response.body)
    return plan.calls


@pytest.fixture(autouse=True)
def every_call_made_each_time(monkeypatch):
    """A failure is injected at a call's position in the sequence a write makes: the directory
    cache would make the second run shorter than the first."""
    from chalicelib import config
    monkeypatch.setattr(config, "DIRECTORY_CACHE_SECONDS", 0.0)


@pytest.mark.parametrize("write", list(WRITES))
def test_every_failing_call_leaves_the_store_consistent(api, crm, write):
    scene = Scene(api, crm)
    calls = _positions(scene, write)
    prepare, do, took = WRITES[write]
    outcomes = []
    for position, call in enumerate(calls, start=1):
        # A transaction meets every fault; other calls, whose faults the service treats alike,
        # take the kinds in turn from one position to the next.
        if call == "dynamodb:TransactWriteItems":
            kinds = faults.DYNAMODB_FAULTS
        else:
            choices = faults.S3_FAULTS if call.startswith("s3:") else (faults.THROTTLED, faults.INTERNAL)
            kinds = (choices[position % len(choices)],)
        for fault in kinds:
            target = prepare(scene)
            with faults.failing(position, fault) as plan:
                answer = do(scene, target)
            label = f"{write}: call {position} {plan.injected}"
            assert plan.injected, f"{write}: call {position} ({call}) was not made the second time"
            if answer.status_code == 503:
                assert answer.headers.get("Retry-After"), label
            else:
                assert answer.status_code in (200, 201, 204), (label, answer.status_code, answer.body)
                assert took(scene, target, answer), f"{label}: answered success, not stored"
            catch_up()           # the index consumer's retries, a moment later on AWS
            report = consistency.check()
            assert report.problems == [], (label, report.problems)
            if report.garbage:
                assert plan.injected.startswith(GARBAGE_AFTER.get(write, "-")), (label, report.garbage)
                consistency.remove_garbage(report, older_than=0)
            outcomes.append(answer.status_code)
    RUNS.append((write, len(calls), len(outcomes)))
    if len(RUNS) == len(WRITES):
        total = sum(n for _, _, n in RUNS)
        SUMMARY.append(f"fault injection: {total} failed calls over {len(RUNS)} writes ("
                       + ", ".join(f"{w} {c} calls" for w, c, _ in RUNS) + "): every answer success or 503, "
                       "the store consistent after each")
