"""A small CRM to test contacts on: projects, people with roles, custom fields."""
from tests.conftest import body_json, role_id


class Crm:
    def __init__(self, api, admin_key, people):
        self.api, self.admin, self.people = api, admin_key, people

    def project(self, identifier, public=True, parent=None):
        body = {"name": identifier.title(), "identifier": identifier, "is_public": public}
        if parent:
            body["parent_id"] = parent
        r = self.api.post("/projects.json", {"project": body}, key=self.admin)
        assert r.status_code == 201, r.body
        return body_json(r)["project"]["id"]

    def member(self, login, project, *roles):
        """Make `login` (created when new) a member of `project` with roles given by id or name."""
        user = self.people.user(login) if login not in self.people.keys else None
        user_id = user.id if user else self.user_id(login)
        role_ids = [self.role_id(role) if isinstance(role, str) else role for role in roles]
        r = self.api.post(f"/projects/{project}/memberships.json",
                          {"membership": {"user_id": user_id, "role_ids": role_ids}}, key=self.admin)
        assert r.status_code == 201, r.body
        return user_id

    def role_id(self, name):
        return role_id(self.api, self.admin, name)

    def user_id(self, login):
        from chalicelib.services.users import by_login
        return int(by_login(login).id)

    def key(self, login):
        return self.admin if login == "admin" else self.people.key(login)

    def contact(self, key=None, project="support", **fields):
        fields.setdefault("project_id", project)
        r = self.api.post("/contacts.json", {"contact": fields}, key=key or self.admin)
        assert r.status_code == 201, r.body
        return body_json(r)["contact"]["id"]

    def custom_field(self, **fields):
        r = self.api.post("/custom_fields.json", {"custom_field": fields}, key=self.admin)
        assert r.status_code == 201, r.body
        return body_json(r)["custom_field"]["id"]

    def ids(self, path, login="admin"):
        r = self.api.get(path, key=self.key(login) if login else None)
        assert r.status_code == 200, (r.status_code, r.body)
        doc = body_json(r)
        return [c["id"] for c in doc["contacts"]], doc["total_count"]
