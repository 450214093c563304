"""Tags: one record per case-insensitive name, with its id and the spelling it was first given."""
from pynamodb.exceptions import PutError

from .crm import TagRecord
from .operations import next_id, now


def name_key(name: str) -> str:
    """What two spellings of one tag share (the tag record's sort key)."""
    return TagRecord.key(name)[1]


def registered(names) -> dict:
    """{name_key(name): tag record} for every name, registering the new ones (one consistent
    BatchGetItem, then one conditional put per new name)."""
    if not names:
        return {}
    keys = list(dict.fromkeys(TagRecord.key(name) for name in names))
    known = {tag.sk: tag for tag in TagRecord.batch_get(keys, consistent_read=True)}
    for name in names:
        pk, sk = TagRecord.key(name)
        if sk in known:
            continue
        tag = TagRecord(pk, sk, id=next_id("tag"), name=name, created_on=now())
        try:
            tag.save(condition=TagRecord.pk.does_not_exist())
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            tag = TagRecord.get(pk, sk, consistent_read=True)
        known[sk] = tag
    return known


def all_tags() -> list:
    """Every tag, ordered by case-folded name."""
    return list(TagRecord.query(TagRecord.PARTITION))
