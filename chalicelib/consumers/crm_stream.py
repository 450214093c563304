"""The consumer of the crm table's stream: each contact's index entries follow it, then its
search index postings."""
from . import contact_entries, search_index


def handle(records) -> None:
    contact_entries.handle(records)
    search_index.handle(records)


def follow(contact_id) -> None:
    """What the consumer does for one written contact, for a store no consumer reads."""
    handle([record_of(contact_id)])


def record_of(contact_id) -> dict:
    """The stream record of a write of the contact, as Lambda hands it over (keys only)."""
    return {"eventName": "MODIFY", "dynamodb": {"Keys": {"pk": {"S": f"contact#{int(contact_id)}"},
                                                          "sk": {"S": "contact"}}}}
