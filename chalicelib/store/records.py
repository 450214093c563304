"""Reads of the directory: records by id, whole kinds in id order, unique lookups, and the
memberships of a user or a project. Every read by key is strongly consistent."""
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from . import cache
from .directory import (Lookup, MembershipRecord, ProjectRecord, RoleRecord, Sequence)
from .operations import cancellation_codes, connection


def get(cls, record_id):
    """The record of class `cls` with that id, or None."""
    try:
        record_id = int(record_id)
    except (TypeError, ValueError):
        return None
    if not 0 < record_id < 10 ** 18:
        return None
    try:
        return cls.get(*cls.key(record_id), consistent_read=True)
    except cls.DoesNotExist:
        return None


def put(record) -> None:
    """Write a whole record, over what is stored under its key."""
    record.save()


def put_new(record) -> None:
    """Write a record whose key nothing holds yet (a fresh id): a clash is a bug, not a race
    to win, and fails loudly."""
    record.save(condition=type(record).pk.does_not_exist())


def remove(record) -> None:
    record.delete()


def all_of(cls) -> list:
    """Every record of a kind, in id order: one Query per 1 MB page."""
    return list(cls.query(cls.KIND, consistent_read=True))


def find_lookup(kind: str, value: str):
    """The id a unique value points at, or None. API keys are remembered a moment (cache.py)."""
    def load():
        try:
            return int(Lookup.get(kind, value, consistent_read=True).target)
        except Lookup.DoesNotExist:
            return None
    return cache.remember(("lookup", kind, value), load) if kind in REMEMBERED_LOOKUPS else load()


REMEMBERED_LOOKUPS = {"api_key"}


def remembered(cls, record_id):
    """`get`, remembered a moment (cache.py): for the user an API key authenticates."""
    return cache.remember(("record", cls.__name__, str(record_id)), lambda: get(cls, record_id))


def lookup_item(kind: str, value: str, target: int) -> Lookup:
    return Lookup(kind, value, target=target)


def memberships_of_user(user_id: int) -> list:
    return cache.remember(("memberships", int(user_id)), lambda: list(
        MembershipRecord.query(MembershipRecord.of_user_key(user_id), consistent_read=True)))


def members_of_project(project_id: int) -> list:
    return list(MembershipRecord.query(MembershipRecord.of_project_key(project_id),
                                       consistent_read=True))


def all_projects() -> list:
    return cache.remember("projects", lambda: all_of(ProjectRecord))


def all_roles() -> list:
    return cache.remember("roles", lambda: all_of(RoleRecord))


# The project tree changes only through a version item: every change of a parent increments
# it in the same transaction, conditioned on the version read before the tree was, so two
# concurrent re-parentings can never both pass their cycle check.
TREE = ("sequence", "project-tree")


def project_tree_version() -> int:
    try:
        return int(Sequence.get(*TREE, consistent_read=True).value)
    except Sequence.DoesNotExist:
        return 0


def save_reparented(project, read_version: int) -> bool:
    """Write the project with its new parent if the tree is still at `read_version`;
    False when another change of the tree came first."""
    condition = Sequence.value == read_version if read_version else Sequence.pk.does_not_exist()
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(project)
            tx.update(Sequence(*TREE), actions=[Sequence.value.add(1), Sequence.kind.set(Sequence)],
                      condition=condition)
    except TransactWriteError as error:
        if "ConditionalCheckFailed" in cancellation_codes(error):
            return False
        raise
    return True


def update_fields(record, values: dict) -> None:
    """Change only these attributes of a stored record (UpdateItem), so a concurrent change of
    another attribute is never written back over."""
    attributes = type(record).get_attributes()
    actions = [attributes[name].remove() if value is None else attributes[name].set(value)
               for name, value in values.items()]
    if actions:
        record.update(actions=actions)

