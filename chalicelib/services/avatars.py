"""Avatars: uploads checked by content (PNG, JPEG, GIF or WebP, at most 4 MiB), claimed by a
contact in the same transaction as the contact's write, and removed with the contact or when
replaced: the record in the contact's transaction, the file just after (a file whose removal
fails is garbage no record points at, which the consistency checker finds and removes)."""
import hmac
import secrets
import time

from chalicelib.store import contacts as contact_store
from chalicelib.store import files, ratelimits, records
from chalicelib.store.files import AttachmentRecord
from chalicelib.store.operations import next_id, now

from . import policy
from . import validation as v
from .errors import Invalid, NotFound, TooManyRequests
from .policy import Caller

MAX_BYTES = 4 * 1024 * 1024
UPLOADS_PER_DAY, DAY = 200, 86400      # a user's uploads, claimed or not
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def image_type(content: bytes):
    """The image type the bytes are, whatever their name says; None for anything else."""
    for signature, kind in _SIGNATURES:
        if content.startswith(signature):
            return kind
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def upload(caller: Caller, content: bytes, daily_quota: bool = True) -> AttachmentRecord:
    """Store an uploaded image; the token it answers makes it a contact's avatar. An API
    client's uploads count against its daily quota; the admin command line's import does not."""
    policy.require_upload(caller)
    if daily_quota:
        count, retry_after = ratelimits.hit(f"uploads#{caller.id}", DAY)
        if count > UPLOADS_PER_DAY:
            raise TooManyRequests(retry_after)
    if not content:
        raise Invalid(["File cannot be empty"])
    kind = image_type(content)
    if kind is None:
        raise Invalid(["File is not a PNG, JPEG, GIF or WebP image"])
    attachment_id = next_id("attachment")
    attachment = AttachmentRecord(*AttachmentRecord.key(attachment_id), id=attachment_id,
                                  token=f"{attachment_id}.{secrets.token_hex(20)}", content_type=kind,
                                  size=len(content), author_id=caller.id, created_on=now(),
                                  expires=int(time.time()) + files.UNCLAIMED_SECONDS)
    files.put(attachment, content)
    records.put(attachment)
    return attachment


def claimable(caller: Caller, token) -> AttachmentRecord:
    """The unclaimed upload a token names, if this caller uploaded it; else `Avatar is invalid`."""
    attachment = None
    if isinstance(token, str) and "." in token:
        head = token.split(".", 1)[0]
        attachment = files.get(head) if v.is_id(head) else None
    if attachment is None or not hmac.compare_digest(attachment.token, token) \
            or not policy.may_claim(caller, attachment):
        raise Invalid(["Avatar is invalid"])
    return attachment


def token_of(data: dict):
    """`avatar: {token}`, or an `uploads` / `attachments` item described as "avatar"."""
    avatar = data.get("avatar")
    if isinstance(avatar, dict) and avatar.get("token"):
        return avatar.get("token")
    for key in ("uploads", "attachments"):
        items = data.get(key)
        if isinstance(items, dict):
            items = list(items.values())
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and str(item.get("description", "")).strip().lower() == "avatar":
                return item.get("token")
    return None


def claim(attachment: AttachmentRecord, contact_id: int) -> AttachmentRecord:
    """The attachment as it is once a contact owns it, to be written with the contact (its file
    is kept from expiring first)."""
    files.mark_claimed(attachment)
    attachment.contact_id = int(contact_id)
    attachment.expires = None
    return attachment


def stored(attachment_id):
    """The record of a contact's avatar (to delete with the contact's write), or None."""
    return files.get(attachment_id) if attachment_id else None


def discard_file(attachment) -> None:
    """The file of an avatar whose record the contact's write deleted. The write is done: a
    failure here only leaves garbage (logged by the store)."""
    files.remove_object(attachment)


def readable(caller: Caller, attachment_id) -> tuple:
    """(attachment, bytes) for whoever sees its contact (or uploaded it and has not used it yet)."""
    attachment = files.get(attachment_id) if v.is_id(attachment_id) else None
    if attachment is None:
        raise NotFound()
    contact = contact_store.get(attachment.contact_id) if attachment.contact_id else None
    policy.require_attachment(caller, attachment, contact)
    content = files.read(attachment)
    if content is None:
        raise NotFound()
    return attachment, content
