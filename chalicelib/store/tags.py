"""Tags: one record per case-insensitive name, keeping the spelling it was first given."""
from pynamodb.exceptions import PutError

from .crm import TagRecord
from .operations import next_id, now


def canonical(names) -> list:
    """The stored spelling of each name, registering the new ones (first spelling wins)."""
    if not names:
        return []
    keys = list(dict.fromkeys(TagRecord.key(name) for name in names))
    known = {(tag.pk, tag.sk): tag for tag in TagRecord.batch_get(keys, consistent_read=True)}
    result = []
    for name in names:
        pk, sk = TagRecord.key(name)
        tag = known.get((pk, sk))
        if tag is None:
            tag = TagRecord(pk, sk, id=next_id("tag"), name=name, created_on=now())
            try:
                tag.save(condition=TagRecord.pk.does_not_exist())
            except PutError as error:
                if error.cause_response_code != "ConditionalCheckFailedException":
                    raise
                tag = TagRecord.get(pk, sk, consistent_read=True)
            known[(pk, sk)] = tag
        result.append(tag.name)
    return result


def all_tags() -> list:
    """Every tag, ordered by case-folded name."""
    return list(TagRecord.query(TagRecord.PARTITION))
