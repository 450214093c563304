"""Tests only: moto's DynamoDB answers written with json.dumps instead of its generic
shape-driven serializer, which costs ~4 ms a call and dominated the suite's time.

DynamoDB's wire format is JSON whose shape is the result moto already builds, so the only
work left is dropping empty members (the serializer skips None). Anything that is not plain
JSON (timestamps of DescribeTable, errors) goes through moto's own serializer. `FAST_MOTO=0`
runs the suite without this, to show that the answers are the same.
"""
import json
import os

from moto.dynamodb.responses import DynamoHandler

JSON_TYPE = "application/x-amz-json-1.0"


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(type(value).__name__)


def install() -> bool:
    if os.environ.get("FAST_MOTO", "1") == "0" or getattr(DynamoHandler, "_fast_json", False):
        return False
    original = DynamoHandler.serialized

    def serialized(self, action_result):
        result = action_result.result
        if isinstance(result, dict):
            try:
                body = json.dumps(_plain(result))
            except TypeError:
                return original(self, action_result)
            headers = dict(self.response_headers)
            headers["Content-Type"] = JSON_TYPE
            return 200, headers, body
        return original(self, action_result)

    DynamoHandler.serialized = serialized
    DynamoHandler._fast_json = True
    return True
