"""The role's DynamoDB and S3 actions are exactly those the request path calls: a workload touching
every resource runs under the cost meter, and its operations are compared with the policy.
(conftest also checks, at the end of every run, that no request used an action outside it.)"""
from chalicelib.store import meter
from infra.template import DYNAMODB_ACTIONS, S3_ACTIONS, iam_actions
from tests.conftest import body_json, role_id, written


def test_the_policy_names_exactly_what_requests_use(api, admin_key, people):
    people.user("dev")
    with meter.measure() as cost:
        written(api.post("/projects.json", {"project": {"name": "Support", "identifier": "support"}}, key=admin_key))
        written(api.post("/projects.json", {"project": {"name": "Old", "identifier": "old"}}, key=admin_key))
        written(api.post("/projects/old/memberships.json", {"membership": {"user_id": 2, "role_ids": [role_id(api, admin_key, "Developer")]}}, key=admin_key))
        written(api.delete("/projects/old.json", key=admin_key))
        written(api.post("/custom_fields.json", {"custom_field": {"name": "Source"}}, key=admin_key))
        written(api.delete("/custom_fields/1.json", key=admin_key))
        contact = body_json(api.post("/contacts.json", {"contact": {
            "first_name": "Policy", "project_id": "support", "tag_list": "vip"}}, key=admin_key))["contact"]
        written(api.put(f"/contacts/{contact['id']}.json", {"contact": {"last_name": "Check"}}, key=admin_key))
        for path in ("/contacts.json", "/contacts.json?search=policy", f"/contacts/{contact['id']}.json",
                     "/users.json", "/roles.json", "/projects/support/memberships.json"):
            assert api.get(path, key=admin_key).status_code == 200
        api.get("/users/current.json", basic=("dev", "secret123"))
        token = body_json(api.post("/uploads.json", b"GIF89a" + bytes(16), key=admin_key,
                                   content_type="application/octet-stream"))["upload"]["token"]
        written(api.put(f"/contacts/{contact['id']}.json", {"contact": {"avatar": {"token": token}}}, key=admin_key))
        api.get("/attachments/1", key=admin_key, headers={"Accept": "*/*"})
        written(api.delete(f"/contacts/{contact['id']}.json", key=admin_key))
    used = iam_actions(cost.operations)
    assert used == set(DYNAMODB_ACTIONS) | set(S3_ACTIONS), sorted(used)
