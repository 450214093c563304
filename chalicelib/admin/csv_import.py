"""`contacts-admin import-csv FILE --project X`: contacts from a CSV file, one per row, each
written through every rule of a create (a rejected row writes nothing and is reported with its
messages). Columns are found by their header: those of GET /contacts.csv by default
(chalicelib/api/contact_csv.py), a contact custom field by its name, and `--map "Header=field"`
for other files (field: a create's key such as first_name, email, tag_list, or address.city)."""
import csv
from dataclasses import dataclass, field

from chalicelib.api.contact_csv import COLUMNS, FORMULA_GUARD
from chalicelib.services import contacts as rules
from chalicelib.services import custom_fields as field_rules
from chalicelib.services.errors import Forbidden, Invalid, NotFound

from .progress import Progress


@dataclass
class Report:
    created: list = field(default_factory=list)         # contact ids
    failed: list = field(default_factory=list)          # (row number, [messages])

    def lines(self) -> list:
        found = [f"row {row}: {'; '.join(messages)}" for row, messages in self.failed]
        return found + [f"{len(self.created)} contacts created, {len(self.failed)} rows rejected."]


def mapping(headers: list, extra: dict) -> dict:
    """{column position: the create key it fills, or ("custom", field id)}."""
    known = {label.casefold(): key for label, key, _value in COLUMNS if key}
    custom = {d.name.casefold(): int(d.id) for d in field_rules.defined("contact")}
    found = {}
    for position, header in enumerate(headers):
        name = header.strip().casefold()
        key = extra.get(header.strip()) or known.get(name)
        if key:
            found[position] = key
        elif name in custom:
            found[position] = ("custom", custom[name])
    return found


def _unguarded(text: str) -> str:
    """A cell as exported, without the quote that keeps spreadsheets from running it."""
    return text[1:] if text[:1] == FORMULA_GUARD and text[1:2] in ("=", "+", "-", "@", "\t", "\r") else text


def body_of(row: list, columns: dict) -> dict:
    """A row as the `contact` of a create."""
    body, address, custom = {}, {}, []
    for position, key in columns.items():
        value = _unguarded(row[position].strip()) if position < len(row) else ""
        if value == "":
            continue
        if isinstance(key, tuple):
            custom.append({"id": key[1], "value": value})
        elif key.startswith("address."):
            address[key.split(".", 1)[1]] = value
        else:
            body[key] = value
    if address:
        body["address_attributes"] = address
    if custom:
        body["custom_fields"] = custom
    return body


def import_file(caller, path: str, project_ref, extra_columns: dict = None, progress_stream=None) -> Report:
    report = Report()
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise Invalid(["The file is empty"])
    columns = mapping(rows[0], extra_columns or {})
    if not any(key == "first_name" for key in columns.values()):
        raise Invalid(["No column gives the first name (map one with --map \"Header=first_name\")"])
    rules.creation_project(caller, project_ref)      # 404/403 before anything is written
    progress = Progress("rows", total=len(rows) - 1, stream=progress_stream)
    definitions = field_rules.defined("contact")
    multiple = {int(d.id) for d in definitions if d.multiple}
    for number, row in enumerate(rows[1:], start=2):
        body = body_of(row, columns)
        for value in body.get("custom_fields", []):
            if value["id"] in multiple:
                value["value"] = [v.strip() for v in value["value"].split(",") if v.strip()]
        try:
            report.created.append(int(rules.create(caller, body, project_ref).id))
        except (Invalid, Forbidden, NotFound) as error:
            report.failed.append((number, list(getattr(error, "messages", None) or [type(error).__name__])))
        progress.advance()
    progress.finish()
    return report
