"""XML request bodies into the nested parameter dictionary, the way Rails reads them.

Parsed only through defusedxml: DTDs, entity declarations and external references are
refused before anything is expanded. Imported lazily, only when an XML body arrives.
"""
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from .errors import BadRequest

MAX_DEPTH = 32
_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


def _name(tag: str) -> str:
    if tag.startswith("{"):
        tag = tag.split("}", 1)[1]
    return tag.replace("-", "_")


def _cast(kind: str, text: str, name: str):
    if kind == "integer":
        try:
            return int(text.strip())
        except ValueError:
            raise BadRequest(f"Element {name} is not a valid integer") from None
    if kind == "boolean":
        word = text.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise BadRequest(f"Element {name} is not a valid boolean")
    return text


def _convert(element, depth: int):
    if depth > MAX_DEPTH:
        raise BadRequest("XML body is nested too deeply")
    name = _name(element.tag)
    attrs = {_name(k): v for k, v in element.attrib.items()}
    kind = attrs.pop("type", None)
    if attrs.pop("nil", None) == "true":
        return None
    children = list(element)
    if kind == "array":
        return [_convert(child, depth + 1) for child in children]
    if children:
        result = dict(attrs)
        for child in children:
            key, value = _name(child.tag), _convert(child, depth + 1)
            if key in result:
                # A repeated element without type="array" still means a list, as in Rails.
                if not isinstance(result[key], list) or key in attrs:
                    result[key] = [result[key]]
                result[key].append(value)
            else:
                result[key] = value
        return result
    text = element.text or ""
    if attrs:
        result = dict(attrs)
        if text.strip():
            result["__content__"] = text
        return result
    if text == "" and kind is None:
        return None
    return _cast(kind, text, name)


def decode_xml(raw: bytes) -> dict:
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise BadRequest("XML body must not contain a DTD, entities or external references") from None
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        raise BadRequest(f"XML body is not well-formed (line {line}, column {column + 1})") from None
    except ValueError:
        raise BadRequest("XML body is not well-formed") from None
    except LookupError:
        raise BadRequest("XML body declares an unknown encoding") from None
    return {_name(root.tag): _convert(root, 1)}
