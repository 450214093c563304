"""offset / limit / page of every list, parsed in one place (SPEC section 1)."""
import re
from dataclasses import dataclass

DEFAULT_LIMIT = 25
MAX_LIMIT = 100


def _integer(value):
    """An ASCII integer of at most nine digits (a page, an offset), else None."""
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    return int(text) if re.fullmatch(r"-?[0-9]{1,9}", text) else None


@dataclass(frozen=True)
class Page:
    offset: int
    limit: int

    def meta(self, total_count: int) -> dict:
        return {"total_count": total_count, "offset": self.offset, "limit": self.limit}

    def slice(self, items):
        return items[self.offset:self.offset + self.limit]


def page_from(params: dict, default_limit: int = DEFAULT_LIMIT, max_limit: int = MAX_LIMIT) -> Page:
    limit = _integer(params.get("limit"))
    if limit is None or limit < 1:
        limit = default_limit
    limit = min(limit, max_limit)
    if params.get("offset") not in (None, ""):
        offset = _integer(params.get("offset")) or 0
    else:
        page = _integer(params.get("page"))
        offset = (page - 1) * limit if page and page > 1 else 0
    return Page(max(offset, 0), limit)
