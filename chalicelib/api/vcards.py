"""vCard 3.0 of contacts, built and read with vobject (imported only when a vCard is asked
for or sent). What an export writes, an import reads back: names, company, job title, phones,
emails, the address, website, birthday, background, tags (CATEGORIES) and whether the card is a
company's (X-ABSHOWAS:COMPANY)."""
from chalicelib.services.contacts import country_name
from chalicelib.services.contacts import display_name

CONTENT_TYPE = "text/vcard; charset=utf-8"


def vcard_of(contact, base_url: str = ""):
    import vobject
    card = vobject.vCard()
    if contact.is_company:
        card.add("n").value = vobject.vcard.Name(family=contact.first_name or "")
    else:
        card.add("n").value = vobject.vcard.Name(family=contact.last_name or "", given=contact.first_name or "",
                                                 additional=contact.middle_name or "")
    card.add("fn").value = display_name(contact)
    organization = contact.first_name if contact.is_company else contact.company
    if organization:
        card.add("org").value = [organization]
    if contact.job_title:
        card.add("title").value = contact.job_title
    for number in contact.phones or []:
        card.add("tel").value = number
    for address in contact.emails or []:
        email = card.add("email")
        email.value = address
        email.type_param = "INTERNET"
    address = contact.address or {}
    if any(address.values()):
        street = "\n".join(p for p in (address.get("street1"), address.get("street2")) if p)
        card.add("adr").value = vobject.vcard.Address(
            street=street, city=address.get("city") or "", region=address.get("region") or "",
            code=address.get("postcode") or "", country=country_name(address.get("country_code")) or "")
    if contact.website:
        card.add("url").value = contact.website
    if contact.birthday:
        card.add("bday").value = contact.birthday
    if contact.background:
        card.add("note").value = contact.background
    if contact.tags:
        card.add("categories").value = list(contact.tags)
    if contact.is_company:
        card.add("x-abshowas").value = "COMPANY"
    if contact.avatar_id:
        photo = card.add("photo")
        photo.value = f"{base_url}/attachments/{int(contact.avatar_id)}"
        photo.value_param = "uri"
    return card


def vcards(contacts, base_url: str = "") -> str:
    return "".join(vcard_of(c, base_url).serialize() for c in contacts)


MAX_CARDS = 200     # each card is a create: an import stays well inside API Gateway's 29 s


class Unreadable(ValueError):
    """The body holds no vCard that can be read."""


def _values(card, name) -> list:
    return [line.value for line in card.contents.get(name, [])]


def _text(card, name):
    values = [v for v in _values(card, name) if isinstance(v, str) and v.strip()]
    return values[0].strip() if values else None


def _country_code(name):
    if not name:
        return None
    import pycountry
    try:
        return pycountry.countries.lookup(name.strip()).alpha_2
    except LookupError:
        return None


def contact_data(card) -> dict:
    """A card as the body of a contact create (what the create's rules then check)."""
    data = {}
    name = card.contents.get("n", [None])[0]
    name = name.value if name is not None else None
    organization = _values(card, "org")
    organization = organization[0][0] if organization and organization[0] else None
    company = (_text(card, "x-abshowas") or "").upper() == "COMPANY"
    if company:
        data.update(is_company=True, first_name=organization or (name.family if name else None) or _text(card, "fn"))
    else:
        given = (name.given if name else "") or ""
        family = (name.family if name else "") or ""
        additional = (name.additional if name else "") or ""
        if not given and not family and _text(card, "fn"):
            given, _, family = _text(card, "fn").partition(" ")
        data.update(first_name=given, last_name=family or None, middle_name=additional or None,
                    company=organization)
    data["job_title"] = _text(card, "title")
    data["phones"] = [v.strip() for v in _values(card, "tel") if isinstance(v, str) and v.strip()]
    data["emails"] = [v.strip() for v in _values(card, "email") if isinstance(v, str) and v.strip()]
    addresses = _values(card, "adr")
    if addresses:
        adr = addresses[0]
        street = [part for part in str(adr.street or "").split("\n") if part.strip()]
        data["address_attributes"] = {
            "street1": street[0] if street else None, "street2": " ".join(street[1:]) or None,
            "city": adr.city or None, "region": adr.region or None, "postcode": adr.code or None,
            "country_code": _country_code(adr.country)}
    data["website"] = _text(card, "url")
    data["birthday"] = _text(card, "bday")
    data["background"] = _text(card, "note")
    tags = [t for value in _values(card, "categories") for t in (value if isinstance(value, list) else [value])]
    if tags:
        data["tag_list"] = [t for t in tags if isinstance(t, str) and t.strip()]
    return {key: value for key, value in data.items() if value not in (None, [], "")}


def read_cards(text: str) -> list:
    """The cards of a body, each as a create body (an Unreadable in its place when it cannot
    be read); Unreadable raised when the body holds none."""
    import vobject
    try:
        cards = [card for card in vobject.readComponents(text, ignoreUnreadable=True) if card.name == "VCARD"]
    except Exception as error:   # vobject raises many kinds on a broken card
        raise Unreadable(f"The vCards could not be read: {str(error)[:200]}") from None
    if not cards:
        raise Unreadable("The body holds no vCard")
    if len(cards) > MAX_CARDS:
        raise Unreadable(f"At most {MAX_CARDS} vCards can be sent at once")
    return [_readable(card) for card in cards]


def _readable(card):
    """A card's create body, or the message saying why it cannot be read."""
    try:
        return contact_data(card)
    except Exception:   # a property vobject parsed into something no contact field takes
        return Unreadable("The vCard could not be read")
