"""Opening the store for local runs and the admin command line: the embedded moto store
(data file under .data/) unless DYNAMODB_ENDPOINT or a real AWS stage says otherwise."""
import os

from chalicelib import config

DEFAULT_DATA_FILE = os.path.join(os.getcwd(), ".data", "store.json")


def open_store(embedded: bool, data_file: str = None, read_only: bool = False):
    """Start the embedded store when asked, create missing tables and the default roles.
    Returns the EmbeddedStore (to save after changes) or None for a real endpoint. A read-only
    embedded store never touches its files (a server may be running on them)."""
    store = None
    if embedded:
        from chalicelib.consumers import crm_stream
        from chalicelib.store.embedded import EmbeddedStore, consume_streams
        store = EmbeddedStore(data_file or DEFAULT_DATA_FILE, read_only=read_only).start()
        consume_streams(crm_stream.handle)
    elif config.DYNAMODB_ENDPOINT:
        # No stream consumer reads an endpoint of one's own: what it would do follows each write.
        from chalicelib.consumers import crm_stream
        from chalicelib.store import contacts
        contacts.follow_writes(crm_stream.follow)
    from chalicelib.services.defaults import ensure_defaults
    from chalicelib.store.operations import create_tables
    create_tables()
    if embedded or config.S3_ENDPOINT:
        # Deployed buckets come from the template; the embedded or a local S3 gets one here.
        from chalicelib.store.files import create_bucket
        create_bucket()
    if store is not None:
        store.load()
    ensure_defaults()
    if store is not None:
        store.save()
    return store


def wants_embedded() -> bool:
    return config.DYNAMODB_ENDPOINT is None and config.STAGE == "local"
