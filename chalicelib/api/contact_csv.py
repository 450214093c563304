"""Contacts as CSV (GET /contacts.csv): a header row of Redmine's labels, then one row per
contact; phones, emails and tags joined with ", ", the address in its parts, every contact
custom field as a column of its own. The same table names what `contacts-admin import-csv`
reads back (chalicelib/cli.py), so an export imports as it is."""
import csv
import io

from chalicelib.services.contacts import country_name
from chalicelib.services.users import full_name

JOIN = ", "
FORMULA_GUARD = "'"


def _address(part):
    return lambda c, page: (c.address or {}).get(part)


def _user(attribute):
    def value(contact, page):
        user = page.user(getattr(contact, attribute))
        return full_name(user) if user is not None else None
    return value


# (label, the contact attribute an import writes (None: not imported), the exported value)
COLUMNS = (
    ("#", None, lambda c, page: int(c.id)),
    ("Is company", "is_company", lambda c, page: "1" if c.is_company else "0"),
    ("First name", "first_name", lambda c, page: c.first_name),
    ("Middle name", "middle_name", lambda c, page: c.middle_name),
    ("Last name", "last_name", lambda c, page: c.last_name),
    ("Company", "company", lambda c, page: c.company),
    ("Job title", "job_title", lambda c, page: c.job_title),
    ("Phones", "phone", lambda c, page: JOIN.join(c.phones or [])),
    ("Emails", "email", lambda c, page: JOIN.join(c.emails or [])),
    ("Website", "website", lambda c, page: c.website),
    ("Skype", "skype_name", lambda c, page: c.skype_name),
    ("Birthday", "birthday", lambda c, page: c.birthday),
    ("Street", "address.street1", _address("street1")),
    ("Street 2", "address.street2", _address("street2")),
    ("City", "address.city", _address("city")),
    ("Region", "address.region", _address("region")),
    ("Postcode", "address.postcode", _address("postcode")),
    ("Country code", "address.country_code", _address("country_code")),
    ("Country", None, lambda c, page: country_name((c.address or {}).get("country_code"))),
    ("Tags", "tag_list", lambda c, page: JOIN.join(c.tags or [])),
    ("Background", "background", lambda c, page: c.background),
    ("Visibility", "visibility", lambda c, page: int(c.visibility or 0)),
    ("Assigned to", None, _user("assigned_to_id")),
    ("Author", None, _user("author_id")),
    ("Created", None, lambda c, page: c.created_on),
    ("Updated", None, lambda c, page: c.updated_on),
)


def _custom_value(definition, contact):
    value = (contact.custom_values or {}).get(str(int(definition.id)))
    if isinstance(value, list):
        return JOIN.join(value)
    return value if value is not None else definition.default_value


def _cell(value) -> str:
    """A cell never starts a formula in a spreadsheet that opens the file."""
    text = "" if value is None else str(value)
    return FORMULA_GUARD + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def header(definitions) -> list:
    return [label for label, _key, _value in COLUMNS] + [d.name for d in definitions]


def export(contacts, page, definitions) -> str:
    """The CSV text of the contacts (`page`: their read model, for the users they name;
    `definitions`: the contact custom fields, a column each)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header(definitions))
    for contact in contacts:
        writer.writerow([_cell(value(contact, page)) for _label, _key, value in COLUMNS] +
                        [_cell(_custom_value(d, contact)) for d in definitions])
    return out.getvalue()
