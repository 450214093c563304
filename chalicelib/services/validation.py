"""Validation messages in Redmine's wording ("<Attribute> <problem>") and the coercions of
wire values (JSON gives typed values, XML and forms give strings)."""
import datetime
import re
from dataclasses import dataclass

from .errors import Invalid

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class Messages:
    """Collects every message of a request, then raises them all at once."""

    def __init__(self):
        self.items = []

    def add(self, message: str) -> None:
        if message not in self.items:
            self.items.append(message)

    def blank(self, attribute: str) -> None:
        self.add(f"{attribute} cannot be blank")

    def invalid(self, attribute: str) -> None:
        self.add(f"{attribute} is invalid")

    def taken(self, attribute: str) -> None:
        self.add(f"{attribute} has already been taken")

    def too_long(self, attribute: str, maximum: int) -> None:
        self.add(f"{attribute} is too long (maximum is {maximum} characters)")

    def too_short(self, attribute: str, minimum: int) -> None:
        self.add(f"{attribute} is too short (minimum is {minimum} characters)")

    def not_included(self, attribute: str) -> None:
        self.add(f"{attribute} is not included in the list")

    def check_length(self, attribute: str, value, maximum: int) -> None:
        if value is not None and len(value) > maximum:
            self.too_long(attribute, maximum)

    def raise_any(self) -> None:
        if self.items:
            raise Invalid(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def text(value, attribute: str, messages: Messages):
    """A string attribute: None stays None, numbers become their text, anything else is invalid."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    messages.invalid(attribute)
    return None


def stripped(value, attribute: str, messages: Messages):
    value = text(value, attribute, messages)
    if value is None:
        return None
    value = value.strip()
    return value


def optional_date(data: dict, key: str, attribute: str, messages: Messages):
    """A date attribute that may be blank (None); anything else must be YYYY-MM-DD."""
    value = stripped(data.get(key), attribute, messages) or None
    if value and not valid_date(value):
        messages.add(f"{attribute} is not a valid date")
    return value


def boolean(value, attribute: str, messages: Messages, default=None):
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off"):
        return False
    messages.invalid(attribute)
    return default


def is_id(value) -> bool:
    """A record id as a path or filter gives it: ASCII digits only, at most 18 of them."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value < 10 ** 18
    return isinstance(value, str) and re.fullmatch(r"[0-9]{1,18}", value) is not None


def as_integer(value):
    """The integer a value is (an int, or ASCII digits with an optional sign, up to 18 digits),
    else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) < 10 ** 18 else None
    if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]{1,18}\s*", value):
        return int(value)
    return None


def integer(value, attribute: str, messages: Messages):
    """An integer attribute; None and "" are None; anything else not an integer is invalid."""
    if value is None or value == "":
        return None
    number = as_integer(value)
    if number is None:
        messages.invalid(attribute)
    return number


def one_of(value, attribute: str, choices, messages: Messages, required: bool = False):
    """An integer among `choices` (a status, a visibility, a type); None and "" are None unless
    `required`; any other value, integer or not, is `<attribute> is not included in the list`."""
    if (value is None or value == "") and not required:
        return None
    number = as_integer(value)
    if number not in choices:
        messages.not_included(attribute)
        return None
    return number


def integer_list(value, attribute: str, messages: Messages) -> list:
    """role_ids and the like: a list, a single value or a comma-separated string."""
    if value is None or value == "":
        return []
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        value = [part for part in str(value).split(",") if part.strip()]
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list):
        messages.invalid(attribute)
        return []
    result = []
    for item in value:
        if isinstance(item, dict) and "id" in item:
            item = item["id"]
        number = integer(item, attribute, messages)
        if number is not None and number not in result:
            result.append(number)
    return result


def string_list(value, attribute: str, messages: Messages) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, (str, int, float)) and not isinstance(item, bool)
                                       for item in value):
        return [str(item) for item in value]
    messages.invalid(attribute)
    return []


def valid_date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value)
        return len(value) == 10
    except (TypeError, ValueError):
        return False


def section(params: dict, key: str) -> dict:
    """The rooted object of a body (`{"project": {...}}`); a missing or non-object root is empty,
    which then fails validation with the usual messages."""
    value = params.get(key)
    return value if isinstance(value, dict) else {}


def utc_stamp(text: str) -> str:
    """An ISO 8601 date and time as stored: UTC, whole seconds, "Z" ("Z" or an offset may be
    given; none means UTC). ValueError for anything else."""
    text = str(text).strip()
    if not text.isascii():
        raise ValueError(text)
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Field:
    """One attribute of a write body, declared: how it is read, what it must be. Rules that
    span attributes, or need the store, stay code beside the table (`check` runs last, on a
    value that passed everything else)."""
    key: str
    label: str
    kind: str = "text"          # text (stripped), long_text (kept as sent), boolean, choice, date, integer
    required: bool = False      # blank is "<label> cannot be blank" (a choice: "is not included")
    max_length: int = None
    choices: tuple = ()
    default: object = None      # a boolean's value when blank
    on_create: bool = False     # read on create even when absent
    empty_is_none: bool = True  # a blank text is stored as nothing
    check: object = None        # (value, messages) -> None
    blank_keeps: bool = False   # a blank value changes nothing (the attribute cannot be empty)

    def read(self, data: dict, messages: Messages):
        before = len(messages.items)
        raw = data.get(self.key)
        if self.kind in ("text", "long_text"):
            value = (stripped if self.kind == "text" else text)(raw, self.label, messages)
            if self.required and not (value or "").strip():
                messages.blank(self.label)
            if self.max_length:
                messages.check_length(self.label, value, self.max_length)
            if self.empty_is_none:
                value = value or None
        elif self.kind == "boolean":
            value = boolean(raw, self.label, messages, default=self.default)
        elif self.kind == "choice":
            value = one_of(raw, self.label, self.choices, messages, required=self.required)
        elif self.kind == "date":
            value = optional_date(data, self.key, self.label, messages)
        elif self.kind == "integer":
            value = integer(raw, self.label, messages)
        else:
            raise ValueError(f"unknown field kind {self.kind}")
        if self.check is not None and len(messages.items) == before and value not in (None, ""):
            self.check(value, messages)
        return value


def read_fields(data: dict, fields, messages: Messages, creating: bool) -> dict:
    """The values of the declared fields a body sends (and, on create, those read even when
    absent), each checked; every message goes to `messages`, in the table's order."""
    values = {field.key: field.read(data, messages) for field in fields
              if field.key in data or (creating and field.on_create)}
    return {key: value for key, value in values.items()
            if value is not None or not next(f for f in fields if f.key == key).blank_keeps}
