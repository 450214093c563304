"""CloudFormation resources of the DynamoDB tables, generated from the PynamoDB models so
the deployed schema can never drift from the code. Table names come from the stage's
environment in .chalice/config.json, the same values the Lambda function is given.

    python -m infra.tables [STAGE]     prints the resources as JSON
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# model class name -> (logical id, the environment variable that names its table)
TABLES = {"DirectoryItem": ("DirectoryTable", "DIRECTORY_TABLE"),
          "CrmItem": ("CrmTable", "CRM_TABLE")}


def stage_environment(stage: str) -> dict:
    """The Lambda's environment in a stage: its tables and bucket, then the stage's settings in
    .chalice/config.json (which may override them)."""
    from chalicelib.config import resource_names
    with open(os.path.join(ROOT, ".chalice", "config.json")) as handle:
        settings = json.load(handle)
    return {**resource_names(stage), **settings.get("stages", {}).get(stage, {}).get("environment_variables", {})}


def _key_schema(schema: list) -> list:
    # HASH before RANGE, as CloudFormation documents it.
    ordered = sorted(schema, key=lambda key: 0 if key["KeyType"] == "HASH" else 1)
    return [{"AttributeName": key["AttributeName"], "KeyType": key["KeyType"]} for key in ordered]


def table_resource(model, table_name: str, stage: str) -> dict:
    from chalicelib.store.operations import expiry_attribute
    schema = model._get_schema()
    properties = {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": schema["attribute_definitions"],
        "KeySchema": _key_schema(schema["key_schema"]),
    }
    indexes = [{"IndexName": index["index_name"], "KeySchema": _key_schema(index["key_schema"]),
                "Projection": index["projection"]}
               for index in schema.get("global_secondary_indexes", [])]
    if indexes:
        properties["GlobalSecondaryIndexes"] = indexes
    if getattr(model.Meta, "stream_view_type", None):
        properties["StreamSpecification"] = {"StreamViewType": model.Meta.stream_view_type}
    if expiry_attribute(model):
        properties["TimeToLiveSpecification"] = {"AttributeName": expiry_attribute(model), "Enabled": True}
    if stage == "prod":
        properties["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
        properties["DeletionProtectionEnabled"] = True
    return {"Type": "AWS::DynamoDB::Table", "Properties": properties}


def resources(stage: str) -> dict:
    """The table resources of a stage; a stage without settings (tests) keeps the models' names."""
    from chalicelib.store.operations import table_models
    environment = stage_environment(stage)
    found = {}
    for model in table_models():
        logical_id, setting = TABLES[model.__name__]
        name = environment.get(setting, model.Meta.table_name)
        found[logical_id] = table_resource(model, name, stage)
    return found


if __name__ == "__main__":
    print(json.dumps({"Resources": resources(sys.argv[1] if len(sys.argv) > 1 else "dev")}, indent=2))
