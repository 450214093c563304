"""A sample CRM of any size for cost tests and benchmarks: projects, users with roles and
contacts spread over projects, tags and assignees (5 % private), loaded through the store in
batches. Contacts are the same items the API writes; only the loading path is faster."""
import random
from dataclasses import dataclass, field

from chalicelib.services import memberships, projects, users
from chalicelib.services.policy import Caller
from chalicelib.store import contacts as contact_store
from chalicelib.store import tags as tag_store
from chalicelib.store import deals as deal_store
from chalicelib.store import attached
from chalicelib.store.crm import ContactRecord, DealRecord, TicketRecord, newest_first
from chalicelib.store.operations import now, reserve_ids

FIRST = ["Anna", "Boris", "Chen", "Dmitri", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jon",
         "Kira", "Luis", "Mara", "Nils", "Olga", "Pavel", "Quinn", "Rosa", "Sven", "Tom"]
LAST = ["Smith", "Ivanov", "Garcia", "Muller", "Rossi", "Dubois", "Novak", "Larsen", "Kim", "Silva",
        "Cook", "Berg", "Costa", "Hansen", "Jansen", "Lopez", "Meyer", "Nowak", "Olsen", "Petrov"]
COMPANIES = ["Initech", "Globex", "Umbrella", "Hooli", "Acme"]
RARE_NAME = "Zyxwvut"
TAGS = ["vip", "lead", "partner", "cold call", "referral", "press", "investor", "reseller", "trial", "churned"]


@dataclass
class Sample:
    admin_key: str
    member_key: str
    project_ids: list
    member_projects: list
    assignee_ids: list
    tags: list
    contacts: int
    stream_sizes: dict = field(default_factory=dict)
    records: list = field(default_factory=list)     # the contacts as stored


def build(contacts: int, project_count: int = 4, assignees: int = 5, seed: int = 7, deals: int = 0,
          tickets: int = 0) -> Sample:
    """The sample CRM; `deals` deals and `tickets` tickets besides (each on a random contact, in
    that contact's first project)."""
    rng = random.Random(seed)
    admin, admin_key = users.create_account({"login": "bench-admin", "firstname": "Bench", "lastname": "Admin",
                                             "mail": "bench-admin@example.com", "password": "bench-password"},
                                            admin=True)
    boss = Caller(admin)
    member, member_key = users.create_account({"login": "bench-member", "firstname": "Bench",
                                               "lastname": "Member", "mail": "bench-member@example.com",
                                               "password": "bench-password"})
    project_ids = [int(projects.create(boss, {"name": f"Project {n}", "identifier": f"project-{n}"}).id)
                   for n in range(1, project_count + 1)]
    member_projects = project_ids[:2]
    for project_id in member_projects:
        memberships.create(boss, project_id, {"user_id": member.id, "role_ids": [5]})  # Reporter
    assignee_ids = []
    for n in range(assignees):
        user, _ = users.create_account({"login": f"rep{n}", "firstname": "Rep", "lastname": str(n),
                                        "mail": f"rep{n}@example.com", "password": "bench-password"})
        assignee_ids.append(int(user.id))
        for project_id in project_ids:
            memberships.create(boss, project_id, {"user_id": user.id, "role_ids": [4]})  # Developer
    known = tag_store.registered(TAGS)
    tags = [known[tag_store.name_key(t)].name for t in TAGS]
    stamp = now()
    records = []
    for number, contact_id in enumerate(reserve_ids("contact", contacts)):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if number == contacts // 2:
            first = RARE_NAME
        chosen_projects = [rng.choice(project_ids)]
        if rng.random() < 0.1:
            chosen_projects = list(dict.fromkeys(chosen_projects + [rng.choice(project_ids)]))
        roll = rng.random()
        visibility = 2 if roll < 0.05 else (1 if roll < 0.15 else 0)
        records.append(ContactRecord(
            *ContactRecord.key(contact_id), id=contact_id, version=1, first_name=first, last_name=last,
            company=rng.choice(COMPANIES) if rng.random() < 0.3 else None,
            job_title=rng.choice(["CEO", "CTO", "Buyer", "Engineer", None]),
            emails=[f"{first}.{last}{contact_id}@example.com".lower()],
            phones=[f"+1 555 {contact_id:07d}"],
            tags=rng.sample(tags, rng.choice([0, 1, 1, 2])),
            visibility=visibility, project_ids=chosen_projects, author_id=int(admin.id),
            assigned_to_id=rng.choice(assignee_ids) if rng.random() < 0.5 else None,
            created_on=stamp, updated_on=stamp))
    contact_store.seed(records)
    if deals:
        by_id = {int(r.id): r for r in records}
        chosen = [rng.choice(records) for _ in range(deals)]
        deal_store.seed([DealRecord(*DealRecord.key(deal_id), id=deal_id, version=1, name=f"Deal {deal_id}",
                                    project_id=int(c.project_ids[0]), contact_id=int(c.id), status_id=1,
                                    price="100.0", created_on=stamp, updated_on=stamp)
                         for deal_id, c in zip(reserve_ids("deal", deals), chosen, strict=True)], by_id)
    if tickets:
        attached.seed_tickets([
            TicketRecord(c.pk, TicketRecord.sort_key(ticket_id), id=ticket_id,
                         stream=TicketRecord.project_stream(c.project_ids[0]), order=newest_first(ticket_id),
                         subject=f"Ticket {ticket_id}", status_id=1 + ticket_id % 3, contact_id=int(c.id),
                         project_id=int(c.project_ids[0]), author_id=int(admin.id), created_on=stamp,
                         updated_on=stamp, contact_summary=contact_store.visibility_summary(c))
            for ticket_id, c in zip(reserve_ids("ticket", tickets), [rng.choice(records) for _ in range(tickets)],
                                    strict=True)])
    sample = Sample(admin_key, member_key, project_ids, member_projects, assignee_ids, tags, contacts,
                    records=records)
    for record in records:
        for stream in contact_store.streams_of(record):
            sample.stream_sizes[stream] = sample.stream_sizes.get(stream, 0) + 1
    return sample
