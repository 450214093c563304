"""The document tree: what a view returns, and its two encoders (JSON and XML).

A view builds one tree; both encoders walk the same tree, so order, nulls, arrays and list
meta can never differ between the formats.

- `Obj(fields, attrs=...)`: ordered fields; keys named in `attrs` become XML attributes
  (`<author id="1" name="Admin"/>`), all keys are plain members in JSON.
- `Array(item_name, items)`: a JSON list; XML `<name type="array"><item_name>..</item_name></name>`.
- `Joined(items)`: a JSON list; XML one element with the items joined by ", " (tag_list).
- `Document(root, value, meta)`: the whole response; `meta` (total_count, offset, limit) sits
  beside the root in JSON and as attributes of the root array in XML.
Scalars are str, int, float, bool, Decimal and None; timestamps are already strings.
"""
import json
import re
from decimal import Decimal

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
# Characters XML 1.0 cannot carry at all; they are replaced, never emitted.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class Obj:
    __slots__ = ("fields", "attrs")

    def __init__(self, fields, attrs=()):
        self.fields = list(fields.items()) if isinstance(fields, dict) else list(fields)
        self.attrs = frozenset(attrs)


class Array:
    __slots__ = ("item_name", "items")

    def __init__(self, item_name: str, items):
        self.item_name = item_name
        self.items = list(items)


class Joined:
    __slots__ = ("items",)

    def __init__(self, items):
        self.items = list(items)


class Document:
    __slots__ = ("root", "value", "meta")

    def __init__(self, root: str, value, meta=None):
        self.root = root
        self.value = value
        self.meta = dict(meta or {})

    def without_meta(self) -> "Document":
        return Document(self.root, self.value)


def ref(record_id, name) -> Obj:
    """A reference `{id, name}`: attributes in XML."""
    return Obj([("id", record_id), ("name", name)], attrs=("id", "name"))


# ---------------------------------------------------------------- JSON

def _plain(value):
    if isinstance(value, Obj):
        return {key: _plain(item) for key, item in value.fields}
    if isinstance(value, (Array, Joined)):
        return [_plain(item) for item in value.items]
    if isinstance(value, Decimal):
        return str(value)
    return value


def to_json(document: Document) -> str:
    body = {document.root: _plain(document.value)}
    body.update(document.meta)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------- XML

def _text(value) -> str:
    if isinstance(value, bool):
        value = "true" if value else "false"
    text = _XML_INVALID.sub("\ufffd", str(value))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attribute(name: str, value) -> str:
    return f' {name}="' + _text(value).replace('"', "&quot;") + '"'


def _element(name: str, value, extra_attrs=None, out=None) -> None:
    attrs = "".join(_attribute(k, v) for k, v in (extra_attrs or {}).items())
    if value is None:
        out.append(f"<{name}{attrs}/>")
    elif isinstance(value, Obj):
        attrs += "".join(_attribute(k, v) for k, v in value.fields
                         if k in value.attrs and v is not None)
        children = [(k, v) for k, v in value.fields if k not in value.attrs]
        if not children:
            out.append(f"<{name}{attrs}/>")
            return
        out.append(f"<{name}{attrs}>")
        for key, item in children:
            _element(key, item, out=out)
        out.append(f"</{name}>")
    elif isinstance(value, Array):
        attrs += ' type="array"'
        if not value.items:
            out.append(f"<{name}{attrs}/>")
            return
        out.append(f"<{name}{attrs}>")
        for item in value.items:
            _element(value.item_name, item, out=out)
        out.append(f"</{name}>")
    elif isinstance(value, Joined):
        out.append(f"<{name}{attrs}>{_text(', '.join(str(i) for i in value.items))}</{name}>")
    else:
        out.append(f"<{name}{attrs}>{_text(value)}</{name}>")


def to_xml(document: Document) -> str:
    out = [XML_DECLARATION]
    _element(document.root, document.value, extra_attrs=document.meta, out=out)
    return "".join(out)


ENCODERS = {"json": to_json, "xml": to_xml}
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "application/xml; charset=utf-8"}


def encode(document: Document, fmt: str) -> str:
    return ENCODERS[fmt](document)
