"""CloudFormation resources of the DynamoDB tables, generated from the PynamoDB models so
the deployed schema can never drift from the code.

    python -m infra.tables [STAGE]     prints the resources as JSON
"""
import json
import sys


def _logical_id(table_name: str) -> str:
    return "".join(part.title() for part in table_name.replace("_", "-").split("-")) + "Table"


def _key_schema(schema: list) -> list:
    # HASH before RANGE, as CloudFormation documents it.
    ordered = sorted(schema, key=lambda key: 0 if key["KeyType"] == "HASH" else 1)
    return [{"AttributeName": key["AttributeName"], "KeyType": key["KeyType"]} for key in ordered]


def table_resource(model, stage: str) -> dict:
    schema = model._get_schema()
    properties = {
        "TableName": model.Meta.table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": schema["attribute_definitions"],
        "KeySchema": _key_schema(schema["key_schema"]),
    }
    indexes = [{"IndexName": index["index_name"], "KeySchema": _key_schema(index["key_schema"]),
                "Projection": index["projection"]}
               for index in schema.get("global_secondary_indexes", [])]
    if indexes:
        properties["GlobalSecondaryIndexes"] = indexes
    if stage == "prod":
        properties["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
        properties["DeletionProtectionEnabled"] = True
    return {"Type": "AWS::DynamoDB::Table", "Properties": properties}


def resources(stage: str) -> dict:
    from chalicelib.store.operations import table_models
    return {_logical_id(model.Meta.table_name): table_resource(model, stage)
            for model in table_models()}


if __name__ == "__main__":
    print(json.dumps({"Resources": resources(sys.argv[1] if len(sys.argv) > 1 else "dev")}, indent=2))
