"""The tables of the deployment template come from the models."""
import boto3

from chalicelib.store.directory import DirectoryItem
from infra.tables import resources


def test_directory_table_resource_matches_the_model():
    found = resources("prod")
    table = found["ContactsApiTestDirectoryTable"]["Properties"]
    assert table["TableName"] == DirectoryItem.Meta.table_name
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"},
                                  {"AttributeName": "sk", "KeyType": "RANGE"}]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["DeletionProtectionEnabled"] is True
    assert "DeletionProtectionEnabled" not in resources("dev")["ContactsApiTestDirectoryTable"]["Properties"]


def test_the_created_table_has_the_templates_keys():
    described = boto3.client("dynamodb").describe_table(TableName=DirectoryItem.Meta.table_name)["Table"]
    table = resources("dev")["ContactsApiTestDirectoryTable"]["Properties"]
    assert described["KeySchema"] == table["KeySchema"]
    assert sorted(described["AttributeDefinitions"], key=str) == sorted(table["AttributeDefinitions"], key=str)


def test_crm_table_resource_has_the_streams_index():
    from chalicelib.store.crm import CrmItem
    table = resources("dev")["ContactsApiTestCrmTable"]["Properties"]
    assert table["TableName"] == CrmItem.Meta.table_name
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "streams"
    assert index["KeySchema"] == [{"AttributeName": "stream", "KeyType": "HASH"},
                                  {"AttributeName": "order", "KeyType": "RANGE"}]
    assert index["Projection"] == {"ProjectionType": "ALL"}
