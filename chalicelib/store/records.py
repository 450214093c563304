"""Reads of the directory: records by id, whole kinds in id order, unique lookups, and the
memberships of a user or a project. Every read by key is strongly consistent."""
from .directory import (DirectoryItem, Lookup, MembershipRecord, ProjectRecord, Record,
                        RoleRecord, padded)


def get(cls, record_id):
    """The record of class `cls` with that id, or None."""
    try:
        record_id = int(record_id)
    except (TypeError, ValueError):
        return None
    if record_id <= 0:
        return None
    try:
        return cls.get(*cls.key(record_id), consistent_read=True)
    except cls.DoesNotExist:
        return None


def all_of(cls) -> list:
    """Every record of a kind, in id order: one Query per 1 MB page."""
    return list(cls.query(cls.KIND, consistent_read=True))


def find_lookup(kind: str, value: str):
    """The id a unique value points at, or None."""
    try:
        return int(Lookup.get(kind, value, consistent_read=True).target)
    except Lookup.DoesNotExist:
        return None


def lookup_item(kind: str, value: str, target: int) -> Lookup:
    return Lookup(kind, value, target=target)


def memberships_of_user(user_id: int) -> list:
    return list(MembershipRecord.query(MembershipRecord.of_user_key(user_id), consistent_read=True))


def members_of_project(project_id: int) -> list:
    return list(MembershipRecord.query(MembershipRecord.of_project_key(project_id),
                                       consistent_read=True))


def all_projects() -> list:
    return all_of(ProjectRecord)


def all_roles() -> list:
    return all_of(RoleRecord)


__all__ = ["get", "all_of", "find_lookup", "lookup_item", "memberships_of_user",
           "members_of_project", "all_projects", "all_roles", "padded", "DirectoryItem", "Record"]
