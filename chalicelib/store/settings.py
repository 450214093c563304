"""Connection settings every table model shares."""
from chalicelib import config


class TableSettings:
    """Base of each model's Meta: region, endpoint and on-demand billing."""
    region = config.REGION
    host = config.DYNAMODB_ENDPOINT
    billing_mode = "PAY_PER_REQUEST"
