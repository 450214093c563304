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

DIRECTORY_TABLE = os.environ.get("DIRECTORY_TABLE", f"{APP_NAME}-{STAGE}-directory")
CRM_TABLE = os.environ.get("CRM_TABLE", f"{APP_NAME}-{STAGE}-crm")

# Redmine before 4.1 answered update/delete with 200 and an empty body instead of 204.
UPDATE_STATUS_200 = _flag("UPDATE_STATUS_200")

MAX_BODY_BYTES = int(os.environ.get("MAX_BODY_BYTES", 1024 * 1024))

# PBKDF2 rounds for new password hashes; each stored hash records its own count.
PASSWORD_HASH_ITERATIONS = int(os.environ.get("PASSWORD_HASH_ITERATIONS", 310_000))

# One cost line per request in the log (on by default in the local stage).
LOG_COST = _flag("LOG_COST", STAGE == "local")

# The public base URL for Location headers and links; when unset, the API Gateway domain the
# request came through, else SERVER_URL (the local server sets it to its own address).
BASE_URL = os.environ.get("BASE_URL") or None
SERVER_URL = "http://localhost"

# The S3 bucket that holds uploaded files (avatars); DynamoDB keeps only their metadata.
FILES_BUCKET = os.environ.get("FILES_BUCKET", f"{APP_NAME}-{STAGE}-files")
S3_ENDPOINT = os.environ.get("S3_ENDPOINT") or None
