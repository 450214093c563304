"""Admin command line for what a serverless deployment has no other way to do.

    python -m chalicelib.cli create-tables
    python -m chalicelib.cli create-admin --login LOGIN --mail MAIL [--firstname F --lastname L]
    python -m chalicelib.cli reset-password LOGIN          (asks for the new password)
    python -m chalicelib.cli reset-api-key LOGIN           (prints the new key)
    python -m chalicelib.cli check-consistency [--remove-garbage]
                                 (exit status 1 when something is out of place; reads everything)
    python -m chalicelib.cli rebuild-indexes         (every index written again from its items;
                                                      with writes stopped; reads everything)
    python -m chalicelib.cli import-csv FILE --project X [--map "Header=field" ...] [--as LOGIN]
                                 (a contact per row through the create's rules; rejected rows reported)
    python -m chalicelib.cli import-redmine --url URL --key KEY [--projects a,b] [--since STAMP]
                                 [--dry-run] [--resume] [--checkpoint FILE] [--as LOGIN]
                                 (a running Redmine CRM through its REST API, ids kept)

It works on the embedded store of the local stage (the data file under .data/), on the
DynamoDB at DYNAMODB_ENDPOINT, or, with STAGE=dev|prod, on AWS with the usual credentials.
"""
import argparse
import getpass
import sys


READ_ONLY = {"check-consistency"}


def _password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password: ")
    if first != getpass.getpass("Repeat it: "):
        raise SystemExit("The passwords differ.")
    return first


def _user(login: str):
    from chalicelib.services import users
    user = users.by_login(login)
    if user is None:
        raise SystemExit(f"No user with login {login!r}.")
    return user


def _check_consistency(remove_garbage: bool) -> int:
    from chalicelib.store import consistency
    report = consistency.check()
    print("\n".join(report.lines()))
    if remove_garbage and report.garbage:
        print(f"Removed {consistency.remove_garbage(report)} stored files without a record.")
    return 0 if report.consistent else 1


def _acting(login):
    """The caller an import writes as: the named user, else the first active admin."""
    from chalicelib.services import users
    from chalicelib.services.policy import Caller
    if login:
        return Caller(_user(login))
    admins = users.active_admins()
    if not admins:
        raise SystemExit("No active admin to write as: create one with create-admin, or name a user with --as.")
    return Caller(admins[0])


def _import_csv(args) -> int:
    from chalicelib.admin.csv_import import import_file
    from chalicelib.services.errors import Forbidden, NotFound
    columns = dict(part.split("=", 1) for part in args.map if "=" in part)
    try:
        report = import_file(_acting(args.login), args.file, args.project, columns)
    except NotFound:
        print(f"No project {args.project!r}.", file=sys.stderr)
        return 1
    except Forbidden:
        print(f"The user may not add contacts to {args.project!r}.", file=sys.stderr)
        return 1
    print("\n".join(report.lines()))
    return 0 if not report.failed else 1


def _import_redmine(args) -> int:
    from chalicelib.admin.redmine_import import Checkpoint, Importer, Source, SourceError
    projects = [p.strip() for p in (args.projects or "").split(",") if p.strip()]
    importer = Importer(_acting(args.login), Source(args.url, args.key), projects=projects, since=args.since,
                        dry_run=args.dry_run, checkpoint=Checkpoint(args.checkpoint, args.resume))
    try:
        report = importer.run()
    except SourceError as error:
        print(f"The source answered an error: {error}", file=sys.stderr)
        return 1
    print("\n".join(report.lines()))
    return 0 if not report.failed else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="data file of the embedded store (local stage)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("create-tables", help="create missing tables and the default roles")
    admin = commands.add_parser("create-admin", help="create an admin user and print its API key")
    admin.add_argument("--login", required=True)
    admin.add_argument("--mail", required=True)
    admin.add_argument("--firstname", default="Redmine")
    admin.add_argument("--lastname", default="Admin")
    admin.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    reset = commands.add_parser("reset-password", help="set a user's password")
    reset.add_argument("login")
    reset.add_argument("--password-stdin", action="store_true")
    key = commands.add_parser("reset-api-key", help="issue a new API key and print it")
    key.add_argument("login")
    checker = commands.add_parser("check-consistency",
                                  help="compare contacts, index entries, counters, tags, notes, tickets, "
                                       "deals and attachments; Scans both the table and the files")
    checker.add_argument("--remove-garbage", action="store_true",
                         help="delete stored files no record points at (older than an hour)")
    commands.add_parser("rebuild-indexes",
                        help="write contact and deal entries, counters and the search index again from the "
                             "contacts and deals (a table of an earlier version, a restore, data written "
                             "without the stream consumer); with writes stopped; Scans the table")
    csv_import = commands.add_parser("import-csv", help="create contacts from a CSV file (the export's columns "
                                                        "by default), reporting each rejected row")
    csv_import.add_argument("file")
    csv_import.add_argument("--project", required=True, help="the project, id or identifier")
    csv_import.add_argument("--map", action="append", default=[], metavar="HEADER=FIELD",
                            help="a column of another name: first_name, email, tag_list, address.city, ...")
    csv_import.add_argument("--as", dest="login", help="the user the contacts are written as (an admin by default)")
    redmine = commands.add_parser("import-redmine", help="import a running Redmine CRM through its REST API, "
                                                         "keeping ids; resumable and idempotent")
    redmine.add_argument("--url", required=True)
    redmine.add_argument("--key", required=True, help="an API key of the source (an admin's reads users too)")
    redmine.add_argument("--projects", help="identifiers, comma-separated (all by default)")
    redmine.add_argument("--since", help="only contacts updated since (ISO 8601)")
    redmine.add_argument("--dry-run", action="store_true", help="read and count, write nothing")
    redmine.add_argument("--resume", action="store_true", help="go on from the checkpoint of a stopped run")
    redmine.add_argument("--checkpoint", default=".import-redmine.json")
    redmine.add_argument("--as", dest="login", help="the user the import writes as (an admin by default)")
    args = parser.parse_args(argv)

    from chalicelib.local.backend import open_store, wants_embedded
    from chalicelib.services import users
    from chalicelib.services.errors import Invalid
    from chalicelib.store.embedded import StoreInUse
    try:
        store = open_store(wants_embedded(), args.data, read_only=args.command in READ_ONLY)
    except StoreInUse as error:
        print(error, file=sys.stderr)
        return 2
    try:
        if args.command == "create-tables":
            print("Tables and default roles are in place.")
        elif args.command == "create-admin":
            user, api_key = users.create_account(
                {"login": args.login, "mail": args.mail, "firstname": args.firstname,
                 "lastname": args.lastname, "password": _password(args)}, admin=True)
            print(f"Admin {user.login} (id {user.id}) created. API key: {api_key}")
        elif args.command == "reset-password":
            users.set_password(_user(args.login), _password(args))
            print(f"Password of {args.login} changed.")
        elif args.command == "reset-api-key":
            print(f"New API key of {args.login}: {users.reissue_api_key(_user(args.login))}")
        elif args.command == "check-consistency":
            return _check_consistency(args.remove_garbage)
        elif args.command == "import-csv":
            return _import_csv(args)
        elif args.command == "import-redmine":
            return _import_redmine(args)
        elif args.command == "rebuild-indexes":
            from chalicelib.store import consistency
            changed = consistency.rebuild_indexes()
            print("Indexes rebuilt: " + ", ".join(f"{kind} {n}" for kind, n in sorted(changed.items())) + ".")
    except Invalid as error:
        print("\n".join(error.messages), file=sys.stderr)
        return 1
    finally:
        if store is not None:
            store.save()      # nothing for a read-only store
    return 0


if __name__ == "__main__":
    sys.exit(main())
