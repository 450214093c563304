"""The only code that talks to DynamoDB. Importing it installs the cost meter first, so
every botocore session created afterwards is measured."""
from . import meter  # noqa: F401  (must come before any botocore session exists)
