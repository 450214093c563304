"""Uploaded files: bytes in S3 (moto locally), metadata in DynamoDB. botocore only, one
client per container, created on first use.

Every object carries the tag claimed=no until a contact takes it as its avatar (claimed=yes,
set just before the contact's write): the bucket's lifecycle rule removes objects still
unclaimed after UNCLAIMED_OBJECT_DAYS, as DynamoDB's TTL removes their records after a day."""
import logging
import time

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib import config

from .crm import EXPIRY_ATTRIBUTE, CrmItem
from .operations import fetch

UNCLAIMED_SECONDS = 86400   # an upload nobody used is forgotten after a day
UNCLAIMED_OBJECT_DAYS = 2   # and its object a day later (TTL may take up to a day to act)
CLAIM_TAG = "claimed"

_client = None
log = logging.getLogger("contacts_api.files")


class AttachmentRecord(CrmItem, discriminator="attachment"):
    """A stored file (pk "attachment#<id>", sk "attachment"): its S3 key and who owns it."""
    id = NumberAttribute()
    token = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    contact_id = NumberAttribute(null=True)       # set once the file became a contact's avatar
    author_id = NumberAttribute(null=True)
    created_on = UnicodeAttribute()
    expires = NumberAttribute(null=True, attr_name=EXPIRY_ATTRIBUTE)

    @staticmethod
    def key(attachment_id: int):
        return f"attachment#{int(attachment_id)}", "attachment"

    @property
    def object_key(self) -> str:
        return f"attachments/{int(self.id)}"

    def expired(self, now: float = None) -> bool:
        """An unclaimed upload past its time (DynamoDB's TTL deletes it lazily, so it may linger)."""
        return self.contact_id is None and self.expires is not None and \
            int(self.expires) <= (time.time() if now is None else now)


def s3():
    global _client
    if _client is None:
        from .settings import shared_session
        _client = shared_session().create_client(
            "s3", region_name=config.REGION, endpoint_url=config.S3_ENDPOINT)
    return _client


def create_bucket() -> None:
    """For the embedded store and tests; deployed buckets come from the template."""
    client = s3()
    try:
        client.head_bucket(Bucket=config.FILES_BUCKET)
    except client.exceptions.ClientError:
        options = {} if config.REGION == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": config.REGION}}
        client.create_bucket(Bucket=config.FILES_BUCKET, **options)


def put(attachment, content: bytes) -> None:
    s3().put_object(Bucket=config.FILES_BUCKET, Key=attachment.object_key, Body=content,
                    ContentType=attachment.content_type, Tagging=f"{CLAIM_TAG}=no")


def mark_claimed(attachment) -> None:
    """Keep the object from the lifecycle rule (before the record is claimed: a claim that then
    fails leaves an object kept longer, never a claimed record whose object expires)."""
    s3().put_object_tagging(Bucket=config.FILES_BUCKET, Key=attachment.object_key,
                            Tagging={"TagSet": [{"Key": CLAIM_TAG, "Value": "yes"}]})


def read(attachment):
    """The file's bytes, or None when the object is gone."""
    client = s3()
    try:
        return client.get_object(Bucket=config.FILES_BUCKET, Key=attachment.object_key)["Body"].read()
    except client.exceptions.NoSuchKey:
        return None


def remove_object(attachment) -> bool:
    """The file of a record already deleted; False when S3 refused or could not be reached
    (the file is then garbage no record points at)."""
    from botocore.exceptions import BotoCoreError, ClientError
    try:
        s3().delete_object(Bucket=config.FILES_BUCKET, Key=attachment.object_key)
    except (BotoCoreError, ClientError):
        log.warning("left the file %s behind; check-consistency --remove-garbage removes it",
                    attachment.object_key, exc_info=True)
        return False
    return True


def get(attachment_id):
    """The record of a stored file, None when missing or expired."""
    attachment = fetch(AttachmentRecord, attachment_id)
    return None if attachment is None or attachment.expired() else attachment
