"""Connection settings every table model shares, and the one connection they all speak through.

PynamoDB gives each model class its own connection, each with its own botocore session and
client (~60 ms each on a cold start, paid again for every model a first request touches).
Here every model, transaction and the S3 client use one botocore session, and DynamoDB one
client, made on first use per container.
"""
from chalicelib import config

from . import cache  # noqa: F401  (its hook must be known before the one session is made)

_shared = None


def shared_connection():
    global _shared
    if _shared is None:
        from pynamodb.connection import Connection

        from . import wire

        class ItemsReadAsJson(Connection):
            """Its client reads item answers with json.loads (store/wire.py)."""

            @property
            def client(self):
                client = super().client
                wire.install(client)
                return client

        _shared = ItemsReadAsJson(region=config.REGION, host=config.DYNAMODB_ENDPOINT)
    return _shared


def shared_session():
    """The botocore session of the shared connection (for other services' clients)."""
    return shared_connection().session


def _register(connection, meta) -> None:
    """Make the table's schema known to the shared connection: every model of a table adds
    the indexes it declares (one model's schema names only its own)."""
    from pynamodb.connection.base import MetaTable
    from pynamodb.exceptions import TableError
    try:
        known = connection.get_meta_table(meta.table_name)
    except TableError:
        connection.add_meta_table(MetaTable(dict(meta.data)))
        return
    indexes = known.data.setdefault("GlobalSecondaryIndexes", [])
    names = {index["IndexName"] for index in indexes}
    indexes.extend(index for index in meta.data.get("GlobalSecondaryIndexes", []) if index["IndexName"] not in names)


class TableSettings:
    """Base of each model's Meta: region, endpoint and on-demand billing."""
    region = config.REGION
    host = config.DYNAMODB_ENDPOINT
    billing_mode = "PAY_PER_REQUEST"


class SharedConnection:
    """Mixed into each table's base model, before pynamodb's Model."""

    @classmethod
    def from_raw_data(cls, data):
        from .reading import instantiate
        return instantiate(cls, data)

    @classmethod
    def _get_connection(cls):
        table = super()._get_connection()
        shared = shared_connection()
        if table.connection is not shared:
            _register(shared, table.get_meta_table())
            table.connection = shared
        return table
