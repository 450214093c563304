"""Settings read from the environment: stage, table names, region, endpoint, compat switches.

Read once at import; every other module asks here instead of reading os.environ itself.
"""
import os


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


STAGE = os.environ.get("STAGE", "local")
APP_NAME = "contacts-api"

REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
# A real DynamoDB endpoint (DynamoDB Local, LocalStack, ...); None means AWS itself or,
# in local runs and tests, the embedded moto store.
DYNAMODB_ENDPOINT = os.environ.get("DYNAMODB_ENDPOINT") or None
# Whether DynamoDB's answers say what each call consumed, for the cost meter to take instead of
# sizing items itself: true on AWS Lambda; moto's figures are placeholders.
DYNAMODB_REPORTS_CAPACITY = _flag("DYNAMODB_REPORTS_CAPACITY", default="AWS_LAMBDA_FUNCTION_NAME" in os.environ)



def resource_names(stage: str) -> dict:
    """The tables and the bucket of a stage, by the variable that may override each: the one
    place they are named (the deployment template and the Lambda's environment use it too)."""
    return {"DIRECTORY_TABLE": f"{APP_NAME}-{stage}-directory", "CRM_TABLE": f"{APP_NAME}-{stage}-crm",
            "FILES_BUCKET": f"{APP_NAME}-{stage}-files"}


_NAMES = resource_names(STAGE)
DIRECTORY_TABLE = os.environ.get("DIRECTORY_TABLE", _NAMES["DIRECTORY_TABLE"])
CRM_TABLE = os.environ.get("CRM_TABLE", _NAMES["CRM_TABLE"])
# The crm table's stream, which the search index consumer reads. Chalice needs an ARN when the
# app is loaded; the deployment template replaces it with the table's own stream.
CRM_STREAM_ARN = os.environ.get(
    "CRM_STREAM_ARN", f"arn:aws:dynamodb:{REGION}:000000000000:table/{CRM_TABLE}/stream/1970-01-01T00:00:00.000")

# How long a container may serve the directory reads of authentication (API key, its user,
# projects, roles, memberships) from memory: a change made elsewhere shows after at most this.
DIRECTORY_CACHE_SECONDS = float(os.environ.get("DIRECTORY_CACHE_SECONDS", "5"))

# Redmine before 4.1 answered update/delete with 200 and an empty body instead of 204.
UPDATE_STATUS_200 = _flag("UPDATE_STATUS_200")

# How long a deleted contact's tombstone is kept for syncing clients (GET /contacts/deleted).
TOMBSTONE_DAYS = int(os.environ.get("TOMBSTONE_DAYS", "90"))

MAX_BODY_BYTES = int(os.environ.get("MAX_BODY_BYTES", 1024 * 1024))

# PBKDF2 rounds for new password hashes; each stored hash records its own count.
PASSWORD_HASH_ITERATIONS = int(os.environ.get("PASSWORD_HASH_ITERATIONS", 310_000))

# The level of every "contacts_api" logger: INFO writes one JSON line per request (the access
# log, with its DynamoDB cost); WARNING keeps only what went wrong. Lambda's own setting
# (AWS_LAMBDA_LOG_LEVEL) is used when LOG_LEVEL is not set.
LOG_LEVEL = (os.environ.get("LOG_LEVEL") or os.environ.get("AWS_LAMBDA_LOG_LEVEL") or "INFO").upper()

# The public base URL for Location headers and links; when unset, the API Gateway domain the
# request came through, else SERVER_URL (the local server sets it to its own address).
BASE_URL = os.environ.get("BASE_URL") or None
SERVER_URL = "http://localhost"

# The S3 bucket that holds uploaded files (avatars); DynamoDB keeps only their metadata.
FILES_BUCKET = os.environ.get("FILES_BUCKET", _NAMES["FILES_BUCKET"])
S3_ENDPOINT = os.environ.get("S3_ENDPOINT") or None
