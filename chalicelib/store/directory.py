"""The directory table: users, projects, roles, memberships, custom field definitions,
their unique lookups and id sequences, as PynamoDB models over one table.

Every record lives at (pk = its kind, sk = zero-padded id), so a kind is listed with one
Query in id order and never with a Scan. Unique values (login, mail, API-key hash, project
identifier) are separate lookup items written in the same transaction as their record,
conditioned on not existing, and read with consistent reads.
"""
from pynamodb.attributes import (BooleanAttribute, DiscriminatorAttribute, ListAttribute,
                                 NumberAttribute, UnicodeAttribute)
from pynamodb.models import Model

from chalicelib import config

from .settings import SharedConnection, TableSettings


def padded(number: int) -> str:
    return f"{int(number):012d}"


class DirectoryItem(SharedConnection, Model):
    class Meta(TableSettings):
        table_name = config.DIRECTORY_TABLE

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute(attr_name="kind")


class Record(DirectoryItem):
    """A directory record with a numeric id, created and updated stamps."""
    KIND = ""
    id = NumberAttribute()
    created_on = UnicodeAttribute()
    updated_on = UnicodeAttribute()

    @classmethod
    def key(cls, record_id: int):
        return cls.KIND, padded(record_id)


class UserRecord(Record, discriminator="user"):
    KIND = "user"
    login = UnicodeAttribute()
    firstname = UnicodeAttribute()
    lastname = UnicodeAttribute()
    mail = UnicodeAttribute()
    admin = BooleanAttribute(default=False)
    status = NumberAttribute(default=1)
    password_hash = UnicodeAttribute(null=True)
    api_key_hash = UnicodeAttribute(null=True)
    last_login_on = UnicodeAttribute(null=True)
    passwd_changed_on = UnicodeAttribute(null=True)


class ProjectRecord(Record, discriminator="project"):
    KIND = "project"
    name = UnicodeAttribute()
    identifier = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    parent_id = NumberAttribute(null=True)
    is_public = BooleanAttribute(default=True)
    status = NumberAttribute(default=1)


class RoleRecord(Record, discriminator="role"):
    KIND = "role"
    name = UnicodeAttribute()
    permissions = ListAttribute(of=UnicodeAttribute, default=list)
    builtin = NumberAttribute(default=0)     # 0 givable, 1 Non member, 2 Anonymous
    position = NumberAttribute(default=1)


class MembershipRecord(Record, discriminator="membership"):
    """Stored three times: by id, under its user and under its project, so that a user's
    memberships and a project's members are each one consistent Query."""
    KIND = "membership"
    user_id = NumberAttribute()
    project_id = NumberAttribute()
    role_ids = ListAttribute(of=NumberAttribute, default=list)

    @staticmethod
    def of_user_key(user_id: int) -> str:
        return f"member_of#{user_id}"

    @staticmethod
    def of_project_key(project_id: int) -> str:
        return f"members_of#{project_id}"

    def copies(self) -> list:
        """The three items that make up this membership, identical but for their keys."""
        keys = [self.key(self.id),
                (self.of_user_key(self.user_id), padded(self.project_id)),
                (self.of_project_key(self.project_id), padded(self.user_id))]
        items = []
        for pk, sk in keys:
            items.append(MembershipRecord(pk, sk, id=self.id, user_id=self.user_id,
                                          project_id=self.project_id, role_ids=list(self.role_ids),
                                          created_on=self.created_on, updated_on=self.updated_on))
        return items


class CustomFieldRecord(Record, discriminator="custom_field"):
    KIND = "custom_field"
    name = UnicodeAttribute()
    customized_type = UnicodeAttribute(default="contact")
    field_format = UnicodeAttribute()
    possible_values = ListAttribute(of=UnicodeAttribute, default=list)
    is_required = BooleanAttribute(default=False)
    multiple = BooleanAttribute(default=False)
    default_value = UnicodeAttribute(null=True)
    regexp = UnicodeAttribute(null=True)
    min_length = NumberAttribute(null=True)
    max_length = NumberAttribute(null=True)
    position = NumberAttribute(default=1)


class Lookup(DirectoryItem, discriminator="lookup"):
    """A unique value pointing at a record: pk is what is unique ("login", "mail",
    "api_key", "identifier"), sk the normalized value, target the record's id."""
    target = NumberAttribute()


class Sequence(DirectoryItem, discriminator="sequence"):
    """pk "sequence", sk the kind: the last id handed out."""
    value = NumberAttribute(default=0)


class Marker(DirectoryItem, discriminator="marker"):
    """Flags such as "defaults created"."""
    created_on = UnicodeAttribute(null=True)


class WebFormRecord(Record, discriminator="web_form"):
    """A lead form of one project: its public key (found through the "form_key" lookup) and
    what the form may do."""
    KIND = "web_form"
    project_id = NumberAttribute()
    name = UnicodeAttribute()
    form_key = UnicodeAttribute()
    allowed_origins = ListAttribute(of=UnicodeAttribute, default=list)
    redirect_urls = ListAttribute(of=UnicodeAttribute, default=list)
    default_tags = ListAttribute(of=UnicodeAttribute, default=list)
    assigned_to_id = NumberAttribute(null=True)
    rate_limit = NumberAttribute(default=10)      # posts a minute, per key and per client address
    daily_cap = NumberAttribute(default=1000)     # posts a day, per key


class DealStatusRecord(Record, discriminator="deal_status"):
    """A deal status: open or closed, one of them the default for new deals."""
    KIND = "deal_status"
    name = UnicodeAttribute()
    is_closed = BooleanAttribute(default=False)
    is_default = BooleanAttribute(default=False)
    position = NumberAttribute(default=1)


class DealCategoryRecord(Record, discriminator="deal_category"):
    """A deal category of one project."""
    KIND = "deal_category"
    project_id = NumberAttribute()
    name = UnicodeAttribute()
