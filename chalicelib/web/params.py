"""Rails-style parameter names (`contact[address_attributes][city]`, `tag_list[]`,
`custom_fields[][id]`) folded into one nested dictionary, as Rack does it."""
import re

from .errors import BadRequest

MAX_NAME_DEPTH = 16
MAX_PARAMETERS = 4096
_NAME = re.compile(r"^([^\[\]]*)((?:\[[^\[\]]*\])*)(.*)$")
_SUBKEY = re.compile(r"\[([^\[\]]*)\]")


def split_name(name: str) -> list:
    match = _NAME.match(name)
    base, brackets, rest = match.group(1), match.group(2), match.group(3)
    if not base or rest:
        # Not a bracketed name (e.g. "a]b" or "[x]"): the whole thing is one key.
        return [name]
    keys = [base] + _SUBKEY.findall(brackets)
    if len(keys) > MAX_NAME_DEPTH:
        raise BadRequest(f"Parameter {base} is nested too deeply")
    return keys


def _has_path(container, keys) -> bool:
    for key in keys:
        if key == "" or not isinstance(container, dict) or key not in container:
            return False
        container = container[key]
    return True


def _assign(container: dict, keys: list, value, name: str) -> None:
    key, rest = keys[0], keys[1:]
    if not rest:
        container[key] = value
        return
    if rest[0] == "":
        items = container.setdefault(key, [])
        if not isinstance(items, list):
            raise BadRequest(f"Parameter {name} conflicts with another parameter")
        after = rest[1:]
        if not after:
            items.append(value)
        elif items and isinstance(items[-1], dict) and not _has_path(items[-1], after):
            _assign(items[-1], after, value, name)
        else:
            group = {}
            _assign(group, after, value, name)
            items.append(group)
        return
    child = container.setdefault(key, {})
    if not isinstance(child, dict):
        raise BadRequest(f"Parameter {name} conflicts with another parameter")
    _assign(child, rest, value, name)


def nest(pairs) -> dict:
    """Fold (name, value) pairs, in order, into a nested dict."""
    result = {}
    for count, (name, value) in enumerate(pairs):
        if count >= MAX_PARAMETERS:
            raise BadRequest("Too many parameters")
        if not name:
            continue
        _assign(result, split_name(name), value, name)
    return result
