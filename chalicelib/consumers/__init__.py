"""Handlers of DynamoDB Streams records: deployed as Lambda functions by Chalice's
on_dynamodb_record; the embedded store runs them after each write."""
