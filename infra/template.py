"""What the deployment adds to the template `chalice package` writes: the tables (from the
models), the private bucket of uploaded files, a least-privilege role policy, API Gateway
throttling, the search index consumer's stream, and Redmine's empty 404 for
paths no route matches (API Gateway's own answer would be 403 "Missing Authentication Token").

Merged by chalice's deep merge: dictionaries merge, lists replace, so the role's Policies
here replace the ones chalice generates.
"""
from chalicelib.store.files import CLAIM_TAG, UNCLAIMED_OBJECT_DAYS

from .tables import resources as table_resources, stage_environment

# DynamoDB actions the service calls at run time. TransactWriteItems is authorized per item
# as PutItem, UpdateItem and DeleteItem; table creation is the admin command line's, not the API's.
DYNAMODB_ACTIONS = (
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
)
# S3 actions on uploaded files (avatars), only under the attachments/ prefix. PutObjectTagging
# also covers the tag an upload is written with.
S3_ACTIONS = ("s3:DeleteObject", "s3:GetObject", "s3:PutObject", "s3:PutObjectTagging")
# TransactWriteItems is authorized per item, as these actions.
TRANSACTION_ACTIONS = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
# What Lambda's event source mapping does on the crm table's stream, in the consumer's name.
STREAM_ACTIONS = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                  "dynamodb:ListStreams")
# The consumer of the crm table's stream (chalice names it after app.indexes).
STREAM_CONSUMER = "Indexes"


def iam_actions(operations) -> set:
    """The IAM actions some calls need: "s3:PutObject" as it is, DynamoDB operations by name."""
    actions = set()
    for operation in operations:
        if operation.startswith("s3:"):
            actions.add(operation)
        else:
            actions |= TRANSACTION_ACTIONS if operation == "TransactWriteItems" else {f"dynamodb:{operation}"}
    return actions


def actions_outside_the_role(operations) -> list:
    """The actions those calls need that the deployed role does not allow."""
    return sorted(iam_actions(operations) - set(DYNAMODB_ACTIONS) - set(S3_ACTIONS))


THROTTLING = {"ThrottlingBurstLimit": 200, "ThrottlingRateLimit": 100}


def _table_arns(table_ids) -> list:
    arns = []
    for logical_id in table_ids:
        arns.append({"Fn::GetAtt": [logical_id, "Arn"]})
        arns.append({"Fn::Sub": "${%s.Arn}/index/*" % logical_id})
    return arns


def role_policies(table_ids) -> list:
    return [
        {"PolicyName": "Logs",
         "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
             "Effect": "Allow",
             "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*"}}]}},
        {"PolicyName": "Tables",
         "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
             "Effect": "Allow", "Action": list(DYNAMODB_ACTIONS), "Resource": _table_arns(table_ids)}]}},
        {"PolicyName": "CrmStream",
         "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
             "Effect": "Allow", "Action": list(STREAM_ACTIONS),
             "Resource": {"Fn::GetAtt": ["CrmTable", "StreamArn"]}}]}},
        {"PolicyName": "Files",
         "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
             "Effect": "Allow", "Action": list(S3_ACTIONS),
             "Resource": {"Fn::Sub": "${FilesBucket.Arn}/attachments/*"}}]}},
    ]


def unclaimed_files_expire() -> dict:
    """Uploads no contact took (still tagged claimed=no) go after a while, as their records do."""
    return {"Rules": [
        {"Id": "unclaimed-uploads", "Status": "Enabled",
         "TagFilters": [{"Key": CLAIM_TAG, "Value": "no"}],
         "ExpirationInDays": UNCLAIMED_OBJECT_DAYS},
        {"Id": "unfinished-uploads", "Status": "Enabled",
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}},
    ]}


def files_bucket(stage: str) -> dict:
    """Private, encrypted, unclaimed uploads expiring, kept when the stack of prod is deleted."""
    bucket = {"Type": "AWS::S3::Bucket", "Properties": {
        "BucketName": stage_environment(stage)["FILES_BUCKET"],
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                           "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
        "LifecycleConfiguration": unclaimed_files_expire()}}
    if stage == "prod":
        bucket["DeletionPolicy"] = bucket["UpdateReplacePolicy"] = "Retain"
    return bucket


def merge_template(stage: str) -> dict:
    tables = table_resources(stage)
    resources = dict(tables)
    resources["FilesBucket"] = files_bucket(stage)
    resources["DefaultRole"] = {"Properties": {"Policies": role_policies(sorted(tables))}}
    resources["APIHandler"] = {"Properties": {"Environment": {"Variables": stage_environment(stage)}}}
    # The search index consumer: the table's own stream; a batch that keeps failing is split to
    # find the record at fault, which is then left (check-consistency finds that contact, and
    # rebuild-indexes indexes it) instead of holding up every later change.
    resources[STREAM_CONSUMER] = {"Properties": {
        "Environment": {"Variables": stage_environment(stage)},
        "Events": {f"{STREAM_CONSUMER}DynamodbEventSource": {"Properties": {
            "Stream": {"Fn::GetAtt": ["CrmTable", "StreamArn"]},
            "MaximumRetryAttempts": 10, "BisectBatchOnFunctionError": True}}}}}
    resources["RestAPI"] = {"Properties": {"MethodSettings": [
        dict({"HttpMethod": "*", "ResourcePath": "/*"}, **THROTTLING)]}}
    resources["UnknownPathIsNotFound"] = {
        "Type": "AWS::ApiGateway::GatewayResponse",
        "Properties": {"RestApiId": {"Ref": "RestAPI"}, "ResponseType": "MISSING_AUTHENTICATION_TOKEN",
                       "StatusCode": "404", "ResponseTemplates": {"application/json": " "}}}
    return {"Resources": resources}
