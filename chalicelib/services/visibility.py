"""Who sees which contact (SPEC section 2), decided on anything that carries a contact's
visibility, projects, author and assignee: a contact item or one of its index entries."""
from functools import cached_property

PROJECT, PUBLIC, PRIVATE = 0, 1, 2
VISIBILITIES = (PROJECT, PUBLIC, PRIVATE)


class ContactVisibility:
    def __init__(self, caller):
        self.caller = caller

    @cached_property
    def viewing(self) -> set:
        """Projects where the caller has view_contacts."""
        return self.caller.projects_with("view_contacts")

    @cached_property
    def viewing_private(self) -> set:
        return self.caller.projects_with("view_private_contacts")

    def sees(self, contact) -> bool:
        if self.caller.admin:
            return True
        visibility = int(contact.visibility or 0)
        projects = {int(p) for p in contact.project_ids}
        if visibility == PUBLIC:
            return bool(self.viewing)
        if visibility != PRIVATE:
            return bool(projects & self.viewing)
        if self.caller.anonymous:
            return False
        if projects & self.viewing_private:
            return True
        own = self.caller.id in (contact.author_id, contact.assigned_to_id)
        return own and bool(projects & self.viewing)

    def may(self, permission: str, contact) -> bool:
        """`permission` in one of the contact's projects, and the contact visible."""
        return self.sees(contact) and any(
            self.caller.allowed(permission, self.caller.project(p)) for p in contact.project_ids)
