"""Which format a request wants: path extension, then `format=`, then Accept, then the
body's Content-Type, else JSON. An extension or format the resource does not serve is 406."""
import re

from .body import media_type
from .errors import NotAcceptable

_EXTENSION = re.compile(r"^(.+)\.([A-Za-z0-9]{1,10})$")
_XML_TYPES = ("application/xml", "text/xml")


def split_extension(segment: str):
    """'2.xml' -> ('2', 'xml'); 'projects' -> ('projects', None)."""
    match = _EXTENSION.match(segment)
    if match:
        return match.group(1), match.group(2).lower()
    return segment, None


def _accepted(accept: str):
    kinds = [media_type(part) for part in (accept or "").split(",")]
    for kind in kinds:
        if kind in _XML_TYPES or kind.endswith("+xml"):
            return "xml"
        if kind == "application/json" or kind.endswith("+json"):
            return "json"
    return None


def negotiate(extension, format_param, accept, content_type, served) -> str:
    for asked in (extension, format_param):
        if asked:
            asked = asked.lower()
            if asked not in served:
                raise NotAcceptable(f"Format {asked} is not served here")
            return asked
    wanted = _accepted(accept) or _accepted(content_type) or "json"
    return wanted if wanted in served else served[0]
