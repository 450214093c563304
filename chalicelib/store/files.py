"""Uploaded files: bytes in S3 (moto locally), metadata in DynamoDB. botocore only, one
client per container, created on first use."""
from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib import config

from .crm import EXPIRY_ATTRIBUTE, CrmItem
from .operations import fetch

UNCLAIMED_SECONDS = 86400   # an upload nobody used is forgotten after a day

_client = None


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


def s3():
    global _client
    if _client is None:
        import botocore.session
        _client = botocore.session.get_session().create_client(
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
                    ContentType=attachment.content_type)


def read(attachment):
    """The file's bytes, or None when the object is gone."""
    client = s3()
    try:
        return client.get_object(Bucket=config.FILES_BUCKET, Key=attachment.object_key)["Body"].read()
    except client.exceptions.NoSuchKey:
        return None


def remove(attachment) -> None:
    """The file and its metadata; the object first, so no metadata ever points at nothing."""
    s3().delete_object(Bucket=config.FILES_BUCKET, Key=attachment.object_key)
    attachment.delete()


def get(attachment_id):
    return fetch(AttachmentRecord, attachment_id)
