"""vCard 3.0 of contacts, built with vobject (imported only when a vCard is asked for)."""
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
    if contact.avatar_id:
        photo = card.add("photo")
        photo.value = f"{base_url}/attachments/{int(contact.avatar_id)}"
        photo.value_param = "uri"
    return card


def vcards(contacts, base_url: str = "") -> str:
    return "".join(vcard_of(c, base_url).serialize() for c in contacts)
