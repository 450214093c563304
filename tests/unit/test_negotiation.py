"""Format negotiation and pagination parameters."""
import pytest

from chalicelib.web.errors import NotAcceptable
from chalicelib.web.negotiation import negotiate, split_extension
from chalicelib.web.pagination import page_from

SERVED = ("json", "xml")


def test_extension_then_format_then_accept_then_content_type():
    assert negotiate("xml", "json", "application/json", None, SERVED) == "xml"
    assert negotiate(None, "xml", "application/json", None, SERVED) == "xml"
    assert negotiate(None, None, "text/xml", "application/json", SERVED) == "xml"
    assert negotiate(None, None, "application/xml;q=0.9, */*", None, SERVED) == "xml"
    assert negotiate(None, None, "*/*", "application/xml; charset=utf-8", SERVED) == "xml"
    assert negotiate(None, None, None, None, SERVED) == "json"


def test_formats_not_served_are_not_acceptable():
    with pytest.raises(NotAcceptable):
        negotiate("csv", None, None, None, SERVED)
    with pytest.raises(NotAcceptable):
        negotiate(None, "yaml", None, None, SERVED)


def test_split_extension():
    assert split_extension("2.xml") == ("2", "xml")
    assert split_extension("projects.JSON") == ("projects", "json")
    assert split_extension("support") == ("support", None)


@pytest.mark.parametrize("params, offset, limit", [
    ({}, 0, 25),
    ({"offset": "-5", "limit": "0"}, 0, 25),
    ({"limit": "500"}, 0, 100),
    ({"limit": "10", "page": "3"}, 20, 10),
    ({"offset": "7", "page": "3"}, 7, 25),
    ({"offset": "abc", "limit": "x"}, 0, 25),
    ({"page": "0"}, 0, 25),
])
def test_pagination(params, offset, limit):
    page = page_from(params)
    assert (page.offset, page.limit) == (offset, limit)
