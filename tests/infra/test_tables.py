"""The tables of the deployment template come from the models."""
import boto3

from chalicelib.store.crm import CrmItem
from chalicelib.store.directory import DirectoryItem
from infra.tables import resources, stage_environment


def test_table_resources_match_the_models_and_the_stage_settings():
    for stage in ("dev", "prod"):
        found = resources(stage)
        environment = stage_environment(stage)
        directory = found["DirectoryTable"]["Properties"]
        crm = found["CrmTable"]["Properties"]
        assert directory["TableName"] == environment["DIRECTORY_TABLE"] == f"contacts-api-{stage}-directory"
        assert crm["TableName"] == environment["CRM_TABLE"] == f"contacts-api-{stage}-crm"
        for table in (directory, crm):
            assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"},
                                          {"AttributeName": "sk", "KeyType": "RANGE"}]
            assert table["BillingMode"] == "PAY_PER_REQUEST"
        (index,) = crm["GlobalSecondaryIndexes"]
        assert index == {"IndexName": "streams", "Projection": {"ProjectionType": "ALL"},
                         "KeySchema": [{"AttributeName": "stream", "KeyType": "HASH"},
                                       {"AttributeName": "order", "KeyType": "RANGE"}]}
        assert "GlobalSecondaryIndexes" not in directory
        # rate-limit counters expire through DynamoDB's TTL
        assert crm["TimeToLiveSpecification"] == {"AttributeName": "expires", "Enabled": True}
        assert "TimeToLiveSpecification" not in directory
    prod = resources("prod")["CrmTable"]["Properties"]
    assert prod["DeletionProtectionEnabled"] is True
    assert prod["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert "DeletionProtectionEnabled" not in resources("dev")["CrmTable"]["Properties"]


def test_a_stage_without_settings_keeps_the_models_names():
    found = resources("test")
    assert found["DirectoryTable"]["Properties"]["TableName"] == DirectoryItem.Meta.table_name
    assert found["CrmTable"]["Properties"]["TableName"] == CrmItem.Meta.table_name


def test_the_tables_created_from_the_models_have_the_templates_schema():
    client = boto3.client("dynamodb")
    for resource in resources("test").values():
        table = resource["Properties"]
        described = client.describe_table(TableName=table["TableName"])["Table"]
        assert described["KeySchema"] == table["KeySchema"]
        assert sorted(described["AttributeDefinitions"], key=str) == sorted(table["AttributeDefinitions"], key=str)
        assert [(i["IndexName"], i["KeySchema"], i["Projection"]) for i in described.get("GlobalSecondaryIndexes", [])] == \
            [(i["IndexName"], i["KeySchema"], i["Projection"]) for i in table.get("GlobalSecondaryIndexes", [])]
