"""Keeps each contact's index entries (store/contacts.py: entries_of) in line with the contact:
every record of the crm table's stream whose keys are a contact's brings its entries up to
date. As for the search index, the contact is read as it is now, so a batch delivered twice,
late or out of order leaves the same entries."""
import logging

from chalicelib.store import contacts

from .search_index import contact_ids

log = logging.getLogger("contacts_api.contact_entries")


def handle(records) -> int:
    """Bring the entries of the contacts of a batch of stream records up to date; returns how
    many entries were put or deleted."""
    changed = sum(contacts.refresh_entries(contact_id) for contact_id in contact_ids(records))
    if changed:
        log.debug("wrote %d contact entries", changed)
    return changed
