"""Custom field definitions (for contacts, and deals later): format, possible values,
required, multiple, default, regexp and length limits. Admins only."""
import re

from chalicelib.store import records
from chalicelib.store.directory import CustomFieldRecord
from chalicelib.store.operations import next_id, now

from . import validation as v
from .errors import NotFound
from .policy import Caller

FORMATS = ("string", "text", "int", "float", "date", "bool", "list", "link")
CUSTOMIZED_TYPES = ("contact", "deal")
NAME_MAX = 30
VALUE_MAX = 65536
POSSIBLE_VALUES_MAX = 1000


def get(field_id) -> CustomFieldRecord:
    field = records.get(CustomFieldRecord, field_id)
    if field is None:
        raise NotFound()
    return field


def ordered(fields) -> list:
    return sorted(fields, key=lambda f: (int(f.position or 0), int(f.id)))


def defined(customized_type: str = None) -> list:
    fields = ordered(records.all_of(CustomFieldRecord))
    if customized_type:
        fields = [f for f in fields if f.customized_type == customized_type]
    return fields


def listed(caller: Caller) -> list:
    caller.require_admin()
    return defined()


def _possible_values(value, messages: v.Messages) -> list:
    if isinstance(value, str):
        value = value.splitlines()
    if isinstance(value, dict):
        value = list(value.values())
    if value is None:
        return []
    if not isinstance(value, list):
        messages.invalid("Possible values")
        return []
    result = []
    for item in value:
        if isinstance(item, dict):
            item = item.get("value")
        item = v.stripped(item, "Possible values", messages)
        if item and item not in result:
            result.append(item)
    if len(result) > POSSIBLE_VALUES_MAX:
        messages.add(f"Possible values has too many entries (maximum is {POSSIBLE_VALUES_MAX})")
    return result


def _compiled(pattern: str):
    """The pattern compiled by RE2, whose matching time is linear in the input whatever the
    pattern (no catastrophic backtracking on public form input); None when RE2 cannot take it
    (backreferences, lookarounds). Imported on first use: most requests never need it."""
    import re2
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(pattern, options)
    except re2.error:
        return None


def _pattern_matches(pattern: str, value: str) -> bool:
    compiled = _compiled(pattern)
    return compiled is not None and compiled.search(value) is not None


def value_errors(field, value: str) -> list:
    """Why `value` (a non-blank string) is not valid for the field, as messages."""
    name, kind = field.name, field.field_format
    errors = []
    if kind == "int" and not re.fullmatch(r"[+-]?[0-9]+", value.strip()):
        errors.append(f"{name} is not a number")
    elif kind == "float":
        try:
            float(value)
        except ValueError:
            errors.append(f"{name} is invalid")
    elif kind == "date" and not v.valid_date(value.strip()):
        errors.append(f"{name} is not a valid date")
    elif kind == "bool" and value not in ("0", "1"):
        errors.append(f"{name} is not included in the list")
    elif kind == "list" and value not in (field.possible_values or []):
        errors.append(f"{name} is not included in the list")
    elif kind == "link" and not re.match(r"^https?://\S+$", value.strip()):
        errors.append(f"{name} is invalid")
    if kind in ("string", "text", "link"):
        if field.min_length and len(value) < int(field.min_length):
            errors.append(f"{name} is too short (minimum is {int(field.min_length)} characters)")
        if field.max_length and len(value) > int(field.max_length):
            errors.append(f"{name} is too long (maximum is {int(field.max_length)} characters)")
        if len(value) > VALUE_MAX:
            errors.append(f"{name} is too long (maximum is {VALUE_MAX} characters)")
        if field.regexp and not _pattern_matches(field.regexp, value):
            errors.append(f"{name} is invalid")
    return errors


# The plain attributes, read in turn with the rules on formats, values and patterns in code.
FIELDS = (
    v.Field("name", "Name", required=True, max_length=NAME_MAX, on_create=True, empty_is_none=False),
    v.Field("is_required", "Required", kind="boolean", default=False, on_create=True),
    v.Field("multiple", "Multiple", kind="boolean", default=False, on_create=True),
    v.Field("position", "Position", kind="integer", blank_keeps=True),
)


def _attributes(data: dict, field=None) -> dict:
    messages = v.Messages()
    creating = field is None
    values = {}
    values.update(v.read_fields(data, FIELDS[:1], messages, creating))
    if creating:
        kind = v.stripped(data.get("customized_type"), "Customized type", messages) or "contact"
        if kind not in CUSTOMIZED_TYPES:
            messages.not_included("Customized type")
        values["customized_type"] = kind
        field_format = v.stripped(data.get("field_format"), "Format", messages) or "string"
        if field_format not in FORMATS:
            messages.not_included("Format")
        values["field_format"] = field_format
    field_format = values.get("field_format") or (field.field_format if field else None)
    if "possible_values" in data or creating:
        values["possible_values"] = _possible_values(data.get("possible_values"), messages)
    possible = values.get("possible_values", field.possible_values if field else [])
    if field_format == "list" and not possible:
        messages.blank("Possible values")
    values.update(v.read_fields(data, FIELDS[1:3], messages, creating))
    if values.get("multiple") and field_format != "list":
        values["multiple"] = False
    for key, label in (("min_length", "Minimum length"), ("max_length", "Maximum length")):
        if key in data:
            number = v.integer(data.get(key), label, messages)
            if number is not None and number < 0:
                messages.invalid(label)
            values[key] = number or None
    if "regexp" in data:
        regexp = v.text(data.get("regexp"), "Regular expression", messages) or None
        if regexp and _compiled(regexp) is None:
            messages.invalid("Regular expression")
        values["regexp"] = regexp
    values.update(v.read_fields(data, FIELDS[3:], messages, creating))
    messages.raise_any()
    if "default_value" in data:
        default = v.text(data.get("default_value"), "Default value", messages) or None
        if default is not None:
            probe = CustomFieldRecord(name="Default value", field_format=field_format,
                                      possible_values=possible,
                                      min_length=values.get("min_length", field.min_length if field else None),
                                      max_length=values.get("max_length", field.max_length if field else None),
                                      regexp=values.get("regexp", field.regexp if field else None))
            for message in value_errors(probe, default):
                messages.add(message)
        values["default_value"] = default
    messages.raise_any()
    return values


def create(caller: Caller, data: dict) -> CustomFieldRecord:
    caller.require_admin()
    values = _attributes(data)
    field_id = next_id(CustomFieldRecord.KIND)
    values["position"] = values.get("position") or field_id
    stamp = now()
    field = CustomFieldRecord(*CustomFieldRecord.key(field_id), id=field_id, created_on=stamp,
                              updated_on=stamp, **values)
    records.put_new(field)
    return field


def update(caller: Caller, field_id, data: dict) -> CustomFieldRecord:
    caller.require_admin()
    field = get(field_id)
    for key, value in _attributes(data, field).items():
        setattr(field, key, value)
    field.updated_on = now()
    records.put(field)
    return field


def delete(caller: Caller, field_id) -> None:
    caller.require_admin()
    records.remove(get(field_id))
