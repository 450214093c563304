"""Request bodies (JSON, XML, urlencoded, multipart) into one nested parameter dictionary,
so a handler never knows which one came in."""
import json
from urllib.parse import parse_qsl

from .errors import BadRequest
from .params import nest

MAX_JSON_DEPTH = 32


def media_type(content_type: str) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _content_type_param(content_type: str, name: str):
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == name:
            return value.strip().strip('"')
    return None


VCARD_TYPES = ("text/vcard", "text/x-vcard", "text/directory")


def body_kind(content_type: str, raw: bytes) -> str:
    """json, xml, form, multipart or vcard; sniffed from the first bytes when the type says
    nothing."""
    kind = media_type(content_type)
    if kind == "application/json" or kind.endswith("+json"):
        return "json"
    if kind in ("application/xml", "text/xml") or kind.endswith("+xml"):
        return "xml"
    if kind == "multipart/form-data":
        return "multipart"
    if kind == "application/x-www-form-urlencoded":
        return "form"
    if kind in VCARD_TYPES or raw.lstrip()[:11].upper() == b"BEGIN:VCARD":
        return "vcard"
    first = raw.lstrip()[:1]
    if first in (b"{", b"["):
        return "json"
    if first == b"<":
        return "xml"
    return "form"


def _depth(value, level=0) -> int:
    if level > MAX_JSON_DEPTH:
        raise BadRequest("JSON body is nested too deeply")
    if isinstance(value, dict):
        for item in value.values():
            _depth(item, level + 1)
    elif isinstance(value, list):
        for item in value:
            _depth(item, level + 1)
    return level


def _refuse_lone_surrogates(value) -> None:
    """JSON may escape half of a surrogate pair ("\\ud800"): no store can keep that text."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise BadRequest("JSON body contains text that is not valid Unicode") from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def decode_json(raw: bytes) -> dict:
    try:
        value = json.loads(raw.decode("utf-8"))
        _refuse_lone_surrogates(value)
    except UnicodeDecodeError:
        raise BadRequest("JSON body is not valid UTF-8") from None
    except RecursionError:
        raise BadRequest("JSON body is nested too deeply") from None
    except json.JSONDecodeError as error:
        raise BadRequest(f"JSON body is not valid (line {error.lineno}, column {error.colno})") from None
    except ValueError:
        raise BadRequest("JSON body is not valid") from None
    if not isinstance(value, dict):
        raise BadRequest("JSON body must be an object")
    _depth(value)
    return value


def decode_form(raw: bytes) -> dict:
    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False,
                          encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("Form body is not valid UTF-8") from None
    return nest(pairs)


def decode_multipart(raw: bytes, content_type: str) -> dict:
    import io

    import multipart

    boundary = _content_type_param(content_type, "boundary")
    if not boundary:
        raise BadRequest("Multipart body has no boundary")
    pairs = []
    try:
        parser = multipart.MultipartParser(io.BytesIO(raw), boundary, content_length=len(raw),
                                           strict=True, spool_limit=len(raw) + 1,
                                           memory_limit=len(raw) + 1, disk_limit=0, part_limit=1024)
        for part in parser:
            if part.filename is None:
                pairs.append((part.name, part.value))
            else:
                pairs.append((part.name, {"filename": part.filename,
                                          "content_type": part.content_type,
                                          "content": part.raw}))
    except (multipart.MultipartError, UnicodeDecodeError) as error:
        raise BadRequest(f"Multipart body is not valid: {error}") from None
    return nest(pairs)


def decode_body(raw: bytes, content_type: str) -> dict:
    if not raw or not raw.strip():
        return {}
    kind = body_kind(content_type, raw)
    if kind == "json":
        return decode_json(raw)
    if kind == "xml":
        from .xmlbody import decode_xml
        return decode_xml(raw)
    if kind == "multipart":
        return decode_multipart(raw, content_type)
    if kind == "vcard":
        return {}           # cards are read by the import from the raw body
    return decode_form(raw)
