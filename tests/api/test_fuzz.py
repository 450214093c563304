"""Generated requests against every route: odd path parameters, query parameters and bodies in
all four encodings (JSON, XML, urlencoded and multipart forms), from an admin, a member and an
anonymous caller. Whatever they send, the answer is never a 5xx and never shows a traceback.

`make test` sends FUZZ_REQUESTS (3,000 by default, derandomized) and prints the count at the
end of the run; FUZZ_REQUESTS=30000 makes a longer run.
"""
import re
import json
import os
from collections import Counter
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from chalicelib.api import ROUTE_TABLES
from tests.conftest import SUMMARY, written

pytestmark = pytest.mark.generated

REQUESTS = int(os.environ.get("FUZZ_REQUESTS", "3000"))
PER_EXAMPLE = 10
ROUTES = sorted({(r.method, "/" + "/".join(r.segments), r.formats) for table in ROUTE_TABLES for r in table.entries})
QUERY_NAMES = ["project_id", "assigned_to_id", "tags", "search", "is_company", "ids", "author_id", "created_on",
               "updated_on", "sort", "include", "offset", "limit", "page", "nometa", "status", "name", "contact_id",
               "status_id", "format", "query_id", "source_type", "source_id", "redirect_on_success"]
FIELDS = ["first_name", "last_name", "company", "is_company", "email", "emails", "phone", "phones", "tag_list",
          "visibility", "project_id", "project_ids", "assigned_to_id", "author_id", "birthday", "address_attributes",
          "custom_fields", "custom_field_values", "avatar", "uploads", "name", "identifier", "parent_id", "is_public",
          "status", "login", "firstname", "lastname", "mail", "password", "admin", "permissions", "role_ids",
          "user_id", "content", "type_id", "source_type", "source_id", "subject", "contact_id", "price", "probability",
          "due_date", "related_contact_ids", "status_id", "category_id", "field_format", "possible_values", "regexp",
          "redirect_urls", "allowed_origins", "default_tags", "rate_limit", "id", "position", "is_closed"]
COUNT = {"requests": 0}
STATUSES = Counter()

odd_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "²", "٣", "-1", "0", "1", "2", "3", "9" * 30, "9" * 5000, "me", "*", "!*", "null",
                     "true", "\ud800", "\ufdfa" * 200, "a|b,c", ">=2026-01-01", "><2026-01-01|2026-02-30",
                     "<script>", "../../etc/passwd", "%00", "x" * 3000, "support", "1.5", "1e9"]))
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
                    st.floats(allow_nan=True, allow_infinity=True), odd_text)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=8)), inner,
                                                 max_size=4)), max_leaves=12)
sections = st.dictionaries(st.sampled_from(FIELDS), values, max_size=6)


def _flat(prefix, value, pairs):
    if isinstance(value, dict):
        for key, item in value.items():
            _flat(f"{prefix}[{key}]", item, pairs)
    elif isinstance(value, list):
        for item in value:
            _flat(f"{prefix}[]", item, pairs)
    else:
        pairs.append((prefix, "" if value is None else str(value)))


def _xml(name, value) -> str:
    name = "".join(ch for ch in str(name) if ch.isalnum() or ch == "_") or "x"
    if name[0].isdigit():
        name = "x" + name
    if isinstance(value, dict):
        return f"<{name}>" + "".join(_xml(k, v) for k, v in value.items()) + f"</{name}>"
    if isinstance(value, list):
        return f'<{name} type="array">' + "".join(_xml("item", v) for v in value) + f"</{name}>"
    text = "" if value is None else str(value)
    text = "".join(ch for ch in text if ch in "\t\n\r" or (" " <= ch <= "\ud7ff") or ("\ue000" <= ch <= "\ufffd"))
    return f"<{name}>" + text.replace("&", "&amp;").replace("<", "&lt;") + f"</{name}>"


@st.composite
def bodies(draw, root):
    section = draw(sections)
    kind = draw(st.sampled_from(["json", "xml", "form", "multipart", "raw"]))
    if kind == "json":
        try:
            return json.dumps({root: section}), "application/json"
        except ValueError:
            return json.dumps({root: {}}), "application/json"
    if kind == "xml":
        return '<?xml version="1.0" encoding="UTF-8"?>' + _xml(root, section), "application/xml"
    pairs = []
    _flat(root, section, pairs)
    if kind == "form":
        return urlencode([(k, v.encode("utf-8", "surrogatepass")) for k, v in pairs]), \
            "application/x-www-form-urlencoded"
    if kind == "multipart":
        boundary = "fuzzboundary"
        parts = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in pairs)
        return (parts + f"--{boundary}--\r\n").encode("utf-8", "surrogatepass"), \
            f"multipart/form-data; boundary={boundary}"
    return draw(st.binary(max_size=200)), draw(st.sampled_from(["application/json", "application/xml",
                                                                 "application/octet-stream", "text/plain"]))


@st.composite
def requests(draw):
    method, path, formats = draw(st.sampled_from(ROUTES))
    segments = []
    for segment in path.strip("/").split("/"):
        if segment.startswith("{"):
            known = st.sampled_from(["1", "2", "3", "support"])
            segment = quote(draw(st.one_of(known, known, known, odd_text)).encode(
                "utf-8", "surrogatepass"), safe="") or "1"
        segments.append(segment)
    extension = draw(st.sampled_from(["", "", ".json", ".json", ".xml", ".pdf"] + [f".{f}" for f in formats]))
    query = draw(st.dictionaries(st.sampled_from(QUERY_NAMES), odd_text, max_size=4))
    url = "/" + "/".join(segments) + extension
    if query:
        url += "?" + urlencode([(k, v.encode("utf-8", "surrogatepass")) for k, v in query.items()])
    body, content_type = (b"", None)
    if method in ("POST", "PUT", "PATCH"):
        root = draw(st.sampled_from(["contact", "project", "user", "role", "membership", "note", "deal", "ticket",
                                     "custom_field", "web_form", "deal_status", "deal_category"]))
        body, content_type = draw(bodies(root))
    caller = draw(st.sampled_from(["admin", "admin", "admin", "member", "anonymous"]))
    return method, url, body, content_type, caller


@pytest.fixture
def fuzz_world(api, crm):
    crm.member("member", "support", "Developer")
    company = crm.contact(first_name="Acme", is_company=True, tag_list="vip")
    person = crm.contact(first_name="Ann", company="Acme", visibility=2)
    written(api.post("/deals.json", {"deal": {"name": "D", "project_id": "support", "contact_id": person}}, key=crm.admin))
    written(api.post("/notes.json", {"note": {"content": "N", "source_id": company}}, key=crm.admin))
    written(api.post("/tickets.json", {"ticket": {"subject": "T", "contact_id": company}}, key=crm.admin))
    return crm


API_KEY = re.compile(r'api_key[">:\s]+"?([0-9a-f]{40})')


def test_no_request_gets_a_server_error(api, fuzz_world):
    keys = {"admin": fuzz_world.admin, "member": fuzz_world.key("member"), "anonymous": None}

    @settings(max_examples=max(1, REQUESTS // PER_EXAMPLE), deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    @given(st.lists(requests(), min_size=PER_EXAMPLE, max_size=PER_EXAMPLE))
    def run(batch):
        for method, url, body, content_type, caller in batch:
            r = api.request(method, url, body=body, key=keys[caller], content_type=content_type,
                            headers={"Accept": "*/*"})
            COUNT["requests"] += 1
            STATUSES[r.status_code] += 1
            text = r.body.decode("utf-8", "replace") if isinstance(r.body, bytes) else str(r.body)
            if url.startswith("/my/api_key") and r.status_code == 201:
                # The caller asked for a new key: keep calling with it, as a client would.
                keys[caller] = API_KEY.search(text).group(1)
            assert r.status_code < 500, (method, url, body[:300], r.status_code, text[:300])
            assert "Traceback" not in text and 'File "' not in text, (method, url, text[:300])

    run()


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    answers = ", ".join(f"{status}: {n}" for status, n in sorted(STATUSES.items()))
    SUMMARY.append(f"fuzz: {COUNT['requests']} generated requests, no 5xx and no traceback "
                   f"(FUZZ_REQUESTS={REQUESTS}; answers {answers})")
