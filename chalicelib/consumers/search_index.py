"""Keeps the search index (store/search.py) in step with the contacts: every record of the crm
table's stream whose keys are a contact's brings that contact's postings up to date. Records
carry keys only; the contact is read as it is now, so a batch delivered twice, late or out of
order leaves the same index."""
import logging

from chalicelib.store import search

log = logging.getLogger("contacts_api.search_index")


def contact_ids(records) -> list:
    """The contacts the records are about, each once, in the order first seen."""
    found = []
    for record in records:
        keys = (record.get("dynamodb") or {}).get("Keys") or {}
        pk, sk = (keys.get("pk") or {}).get("S", ""), (keys.get("sk") or {}).get("S", "")
        if sk == "contact" and pk.startswith("contact#"):
            found.append(int(pk.split("#", 1)[1]))
    return list(dict.fromkeys(found))


def handle(records) -> int:
    """Index the contacts of a batch of stream records; returns how many."""
    ids = contact_ids(records)
    for contact_id in ids:
        search.index_contact(contact_id)
    if ids:
        log.debug("indexed %d contacts", len(ids))
    return len(ids)
