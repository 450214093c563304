"""Fixed-window counters for rate limits: one item per (subject, window), incremented
atomically and expired by DynamoDB's TTL once the window is over."""
import time

from pynamodb.attributes import NumberAttribute

from .crm import EXPIRY_ATTRIBUTE, CrmItem


class RateCounter(CrmItem, discriminator="rate"):
    count = NumberAttribute(default=0)
    expires = NumberAttribute(null=True, attr_name=EXPIRY_ATTRIBUTE)   # epoch seconds, DynamoDB TTL


def clock() -> float:
    """Seconds since the epoch; tests move it."""
    return time.time()


def current(subject: str, window_seconds: int) -> tuple:
    """(count, seconds left) of the current window without counting anything (one GetItem)."""
    moment = clock()
    window = int(moment // window_seconds)
    ends = (window + 1) * window_seconds
    try:
        count = int(RateCounter.get(f"rate#{subject}", str(window), consistent_read=True).count)
    except RateCounter.DoesNotExist:
        count = 0
    return count, max(1, int(ends - moment))


def hit(subject: str, window_seconds: int) -> tuple:
    """Count one event for `subject` in the current window: (count so far, seconds left)."""
    moment = clock()
    window = int(moment // window_seconds)
    counter = RateCounter(f"rate#{subject}", str(window))
    ends = (window + 1) * window_seconds
    counter.update(actions=[RateCounter.count.add(1), RateCounter.kind.set(RateCounter),
                            RateCounter.expires.set(ends + window_seconds)])
    return int(counter.count), max(1, int(ends - moment))
