"""provision_db_roles: create or update the owner and app roles, as the master user.

The migration task runs it before ``migrate`` (CONTRACT-db.md):

    python manage.py provision_db_roles && exec python manage.py migrate --noinput

with DB_ADMIN_SECRET_ARN = the RDS master secret, DB_SECRET_ARN = the owner
secret (the one ``migrate`` then connects with) and DB_APP_SECRET_ARN = the app
secret. In one transaction, as the master user, it:

 1. creates the owner and app roles (LOGIN, NOCREATEDB, NOCREATEROLE) or
    updates them, setting each password from its secret on every run, so a
    changed secret takes effect at the next deploy; refuses a role that is a
    superuser, may create roles or databases, replicates or bypasses RLS;
 2. makes the master a member of the owner role (needed to hand it objects);
 3. makes the owner own the database and the ``public`` schema; nobody else
    may create in ``public``;
 4. gives the owner every table, view, sequence and function in ``public``
    that the master owns (stacks whose migrations ran as the master);
 5. as the owner: grants the app role SELECT, INSERT, UPDATE, DELETE on all
    tables and USAGE, SELECT, UPDATE on all sequences in ``public``, now and,
    through ALTER DEFAULT PRIVILEGES, for everything the owner creates later;
 6. checks the result: the app role owns nothing, is not a member of the owner
    or the master, and has no role attribute beyond LOGIN.

Passwords never leave this process in clear text: each is turned into a
SCRAM-SHA-256 verifier by libpq (the same as psql's \\password), so neither
the server's statement log nor an error message can show it. Nothing printed
contains a password, a verifier or row data. Any failure rolls the whole
transaction back and exits non-zero with the step that failed.
"""
import copy
import os
import re

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.utils import load_backend

from config import dbcredentials

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
VERIFIER = re.compile(r"^SCRAM-SHA-256\$\d+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$")


class ProvisionError(Exception):
    """A step failed; the message names it and never holds a secret."""


def quote_ident(name):
    """A validated role name, double-quoted (names are restricted by ROLE_NAME)."""
    if not ROLE_NAME.match(name):
        raise ProvisionError(
            f"role name {name!r} is not a lower-case PostgreSQL identifier ([a-z_][a-z0-9_]*, at most 63)"
        )
    return '"' + name + '"'


def scram_verifier(raw_connection, username, password):
    """libpq's SCRAM-SHA-256 verifier for the password (psycopg 3 or psycopg2)."""
    pgconn = getattr(raw_connection, "pgconn", None)
    if pgconn is not None:  # psycopg 3
        verifier = pgconn.encrypt_password(password.encode(), username.encode(), b"scram-sha-256").decode()
    else:
        from psycopg2.extensions import encrypt_password

        verifier = encrypt_password(password, username, raw_connection, "scram-sha-256")
    if not VERIFIER.match(verifier):
        raise ProvisionError("libpq did not return a SCRAM-SHA-256 verifier")
    return verifier


def driver_message(exc):
    """The server's primary message, without the statement text psycopg may append."""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    if primary:
        return primary
    return str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__


class Provisioner:
    """Runs the steps on a raw DB-API connection logged in as the master user."""

    def __init__(self, raw, owner, app, write):
        self.raw = raw
        self.owner = owner
        self.app = app
        self.write = write
        self.cursor = raw.cursor()

    def run_sql(self, step, sql, params=None):
        try:
            self.cursor.execute(sql, params)
        except Exception as exc:
            raise ProvisionError(f"{step}: {driver_message(exc)}") from None

    def one(self, step, sql, params=None):
        self.run_sql(step, sql, params)
        return self.cursor.fetchone()

    def all(self, step, sql, params=None):
        self.run_sql(step, sql, params)
        return self.cursor.fetchall()

    def ensure_role(self, creds, what):
        name = quote_ident(creds.username)
        row = self.one(
            f"look up the {what} role",
            "SELECT rolsuper, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = %s",
            [creds.username],
        )
        verifier = scram_verifier(self.raw, creds.username, creds.password)
        if row is None:
            self.run_sql(
                f"create the {what} role {creds.username}",
                f"CREATE ROLE {name} WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD '{verifier}'",
            )
            return "created"
        # CREATEROLE and CREATEDB are taken away below; these three only a
        # superuser can take away.
        bad = [attr for attr, on in zip(("SUPERUSER", "REPLICATION", "BYPASSRLS"), row) if on]
        if bad:
            raise ProvisionError(
                f"the {what} role {creds.username} exists with {', '.join(bad)}; refusing to use it "
                f"(remove the attribute or choose another username in the {what} secret)"
            )
        self.run_sql(
            f"update the {what} role {creds.username}",
            f"ALTER ROLE {name} WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD '{verifier}'",
        )
        return "updated"

    def provision(self, master_name, owner_creds, app_creds):
        owner, app = quote_ident(owner_creds.username), quote_ident(app_creds.username)
        names = [master_name, owner_creds.username, app_creds.username]
        if len(set(names)) != 3:
            raise ProvisionError(
                f"the master, owner and app secrets must name three different users, got {names}"
            )
        self.run_sql("begin", "BEGIN")
        owner_state = self.ensure_role(owner_creds, "owner")
        app_state = self.ensure_role(app_creds, "app")

        (is_member,) = self.one("check membership", "SELECT pg_has_role(current_user, %s, 'MEMBER')",
                                [owner_creds.username])
        if not is_member:
            self.run_sql("make the master a member of the owner role", f"GRANT {owner} TO CURRENT_USER")

        (database,) = self.one("current database", "SELECT current_database()")
        db = '"' + database.replace('"', '""') + '"'
        self.run_sql(f"make {owner_creds.username} own database {database}", f"ALTER DATABASE {db} OWNER TO {owner}")
        (schema_owner,) = self.one(
            "look up the owner of schema public",
            "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'",
        )
        if schema_owner not in (owner_creds.username, "pg_database_owner"):
            self.run_sql("make the owner own schema public", f"ALTER SCHEMA public OWNER TO {owner}")

        moved = self.reassign_from_master()

        self.run_sql("act as the owner role", f"SET ROLE {owner}")
        for step, sql in (
            ("revoke CREATE on schema public from PUBLIC", "REVOKE CREATE ON SCHEMA public FROM PUBLIC"),
            ("revoke CREATE on schema public from the app role", f"REVOKE CREATE ON SCHEMA public FROM {app}"),
            ("grant USAGE on schema public", f"GRANT USAGE ON SCHEMA public TO {app}"),
            ("grant CONNECT on the database", f"GRANT CONNECT ON DATABASE {db} TO {app}"),
            ("grant table privileges",
             f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}"),
            ("grant sequence privileges", f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {app}"),
            ("set default table privileges",
             f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
             f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}"),
            ("set default sequence privileges",
             f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
             f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {app}"),
        ):
            self.run_sql(step, sql)
        self.run_sql("stop acting as the owner role", "RESET ROLE")

        self.verify_app_role(app_creds.username, owner_creds.username, master_name)
        self.run_sql("commit", "COMMIT")
        self.write(
            f"provision_db_roles: owner role {owner_creds.username} {owner_state}, app role "
            f"{app_creds.username} {app_state}; database {database} and schema public owned by "
            f"{owner_creds.username}; {moved} object(s) moved from {master_name} to {owner_creds.username}"
        )

    def reassign_from_master(self):
        """ALTER ... OWNER TO owner for everything in public the master owns."""
        kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "f": "FOREIGN TABLE",
                 "S": "SEQUENCE"}
        owner = quote_ident(self.owner)
        moved = 0
        # Tables first: ALTER TABLE moves the sequences their columns own,
        # which ALTER SEQUENCE would refuse; then the sequences left over.
        for relkinds in (("r", "p", "v", "m", "f"), ("S",)):
            rows = self.all(
                "list objects owned by the master",
                "SELECT c.relkind, format('%%I.%%I', n.nspname, c.relname) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
                " AND c.relkind::text = ANY(%s) ORDER BY 2",
                [list(relkinds)],
            )
            for relkind, qualified in rows:
                self.run_sql(f"give {qualified} to the owner", f"ALTER {kinds[relkind]} {qualified} OWNER TO {owner}")
                moved += 1
        for (signature,) in self.all(
            "list functions owned by the master",
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = 'public' AND p.proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
            " AND p.prokind IN ('f', 'p')",
        ):
            self.run_sql(f"give {signature} to the owner", f"ALTER ROUTINE {signature} OWNER TO {owner}")
            moved += 1
        return moved

    def verify_app_role(self, app_name, owner_name, master_name):
        row = self.one(
            "check the app role",
            "SELECT r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls,"
            " pg_has_role(r.oid, %s, 'MEMBER'), pg_has_role(r.oid, %s, 'MEMBER'),"
            " (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid)"
            "  + (SELECT count(*) FROM pg_namespace s WHERE s.nspowner = r.oid)"
            " FROM pg_roles r WHERE r.rolname = %s",
            [owner_name, master_name, app_name],
        )
        privileged, in_owner, in_master, owns = row
        problems = []
        if privileged:
            problems.append("has a role attribute beyond LOGIN")
        if in_owner:
            problems.append(f"is a member of the owner role {owner_name}")
        if in_master:
            problems.append(f"is a member of the master role {master_name}")
        if owns:
            problems.append(f"owns {owns} object(s) in this database")
        if problems:
            raise ProvisionError(f"the app role {app_name} " + "; ".join(problems) + ": fix it by hand and rerun")


def _secret(name, region, endpoint):
    arn = os.environ.get(name, "").strip()
    if not arn:
        raise CommandError(f"provision_db_roles: {name} is not set")
    try:
        return dbcredentials.SecretCredentials(arn, region, endpoint).current()
    except dbcredentials.CredentialsError as exc:
        raise CommandError(f"provision_db_roles: {name}: {exc}") from None


class Command(BaseCommand):
    help = (
        "As the master user (DB_ADMIN_SECRET_ARN), create or update the owner role (DB_SECRET_ARN) "
        "and the app role (DB_APP_SECRET_ARN) and their privileges. Idempotent."
    )
    requires_system_checks = []

    def handle(self, *args, **options):
        settings_dict = copy.deepcopy(connections["default"].settings_dict)
        region = settings_dict.get("SECRET_REGION")
        endpoint = settings_dict.get("SECRET_ENDPOINT")
        if not settings_dict.get("SECRET_ARN"):
            raise CommandError("provision_db_roles: DB_SECRET_ARN (the owner secret) is not set")
        # Fail on a missing or malformed secret before touching the database.
        owner = _secret("DB_SECRET_ARN", region, endpoint)
        app = _secret("DB_APP_SECRET_ARN", region, endpoint)
        _secret("DB_ADMIN_SECRET_ARN", region, endpoint)

        settings_dict.update(SECRET_ARN=os.environ["DB_ADMIN_SECRET_ARN"].strip(), CONN_MAX_AGE=0)
        backend = load_backend(settings_dict["ENGINE"])
        master = backend.DatabaseWrapper(settings_dict, "provision_db_roles")
        try:
            try:
                master.ensure_connection()
            except Exception as exc:
                raise CommandError(f"provision_db_roles: connect as the master user: {driver_message(exc)}") from None
            raw = master.connection
            with raw.cursor() as cursor:
                cursor.execute("SELECT current_user")
                (master_name,) = cursor.fetchone()
            provisioner = Provisioner(raw, owner.username, app.username, self.stdout.write)
            try:
                provisioner.provision(master_name, owner, app)
            except ProvisionError as exc:
                try:
                    raw.rollback()
                except Exception:
                    pass
                try:
                    provisioner.cursor.execute("ROLLBACK")
                except Exception:
                    pass
                raise CommandError(f"provision_db_roles: {exc}; nothing was changed") from None
        finally:
            master.close()
