"""What a benchmark on moto sets up before any botocore session exists: the project on the
import path, placeholder credentials and the bench stage, and moto with the tests' accelerator
(Queries read only their partition; tests/fast_moto.py). Imported first by each such script."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                   "AWS_DEFAULT_REGION": "us-east-1", "STAGE": "bench", "LOG_LEVEL": "WARNING",
                   "PASSWORD_HASH_ITERATIONS": "1000"})
os.environ.pop("DYNAMODB_ENDPOINT", None)

import moto  # noqa: E402,F401  (before any botocore session)

from tests import fast_moto  # noqa: E402


def accelerate() -> None:
    fast_moto.install()
    fast_moto.install_query_by_key()
