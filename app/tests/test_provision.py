"""provision_db_roles on the real PostgreSQL: least privilege inside the database (issue 20 item 4).

After the migration task's steps (provision_db_roles as the master, migrate
as the owner), the app role reads and writes the tables and can do nothing
else; migrate works as the owner; a database whose tables the master created
(stacks from before this change) is taken over; a rerun changes nothing; a
changed app password takes effect; bad input fails with a clear message and
changes nothing. The master here is a CREATEROLE CREATEDB role standing in for
RDS's master user (scripts/test-app.sh).
"""
import json
import secrets
import unittest
import uuid

import psycopg2
from psycopg2 import errors

from . import support

APP, OWNER, MASTER = "app", "app_owner", "master"


def privileges_snapshot(database=None):
    """Owners, ACLs and default ACLs of the database, its public schema and its relations."""
    return support.psql(
        "SELECT 'db', pg_get_userbyid(datdba), coalesce(datacl::text, '') FROM pg_database"
        " WHERE datname = current_database()"
        " UNION ALL SELECT 'schema', pg_get_userbyid(nspowner), coalesce(nspacl::text, '') FROM pg_namespace"
        " WHERE nspname = 'public'"
        " UNION ALL SELECT c.relname, pg_get_userbyid(c.relowner), coalesce(c.relacl::text, '') FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r','S','v')"
        " UNION ALL SELECT 'default ' || defaclobjtype::text, pg_get_userbyid(defaclrole), defaclacl::text"
        " FROM pg_default_acl ORDER BY 1",
        database=database,
    )


def run_sql_as(login, sql, database=None):
    conn = support.connect_as(login, database)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


class ProvisionTest(unittest.TestCase):
    def setUp(self):
        build = support.ensure_built()
        for step in ("provision_db_roles", "migrate"):
            proc = build[step]
            self.assertEqual(proc.returncode, 0, f"{step}: got exit {proc.returncode}\n{proc.stdout}{proc.stderr}")

    def provision(self, database=None, **overrides):
        if database:
            overrides["DB_NAME"] = database
        return support.manage("provision_db_roles", env=support.migration_env(**overrides))

    def assert_least_privilege(self, database=None):
        app = support.secret_value(support.APP_SECRET)
        # Reads and writes its tables.
        note_id = run_sql_as(app, "INSERT INTO notes_note (title, body, attachment, created_at) VALUES ('p', 'b', '', now())"
                                  " RETURNING id", database)[0][0]
        run_sql_as(app, f"UPDATE notes_note SET body = 'c' WHERE id = {note_id}", database)
        self.assertEqual(run_sql_as(app, f"SELECT body FROM notes_note WHERE id = {note_id}", database), [("c",)])
        run_sql_as(app, f"DELETE FROM notes_note WHERE id = {note_id}", database)
        # And nothing else.
        denied = [
            ("CREATE TABLE public.evil (id int)", errors.InsufficientPrivilege),
            ("CREATE TABLE evil (id int)", errors.InsufficientPrivilege),
            ("DROP TABLE notes_note", errors.InsufficientPrivilege),
            ("ALTER TABLE notes_note ADD COLUMN evil int", errors.InsufficientPrivilege),
            ("TRUNCATE notes_note", errors.InsufficientPrivilege),
            ("CREATE ROLE evil", errors.InsufficientPrivilege),
            ("CREATE SCHEMA evil", errors.InsufficientPrivilege),
            ("CREATE DATABASE evil", errors.InsufficientPrivilege),
            (f"ALTER ROLE {APP} CREATEROLE", errors.InsufficientPrivilege),
            (f"SET ROLE {OWNER}", errors.InsufficientPrivilege),
            (f"SET ROLE {MASTER}", errors.InsufficientPrivilege),
        ]
        for sql, want in denied:
            with self.subTest(sql=sql):
                with self.assertRaises(want, msg=f"app role ran {sql!r}: want {want.__name__}"):
                    run_sql_as(app, sql, database)

    def test_app_role_reads_and_writes_only(self):
        self.assert_least_privilege()

    def test_owner_owns_the_schema_objects(self):
        rows = support.psql(
            "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public'").split()
        self.assertEqual(rows, [OWNER], f"owners of public objects: got {rows}, want only {OWNER}")
        db_owner = support.psql("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")
        self.assertEqual(db_owner.strip(), OWNER)
        attrs = support.psql(f"SELECT rolsuper, rolcreaterole, rolcreatedb, rolcanlogin FROM pg_roles"
                             f" WHERE rolname IN ('{OWNER}', '{APP}') ORDER BY rolname").split()
        self.assertEqual(attrs, ["f|f|f|t", "f|f|f|t"], f"owner and app attributes: got {attrs}")

    def test_migrate_as_owner_and_rerun_is_idempotent(self):
        before = privileges_snapshot()
        for attempt in range(2):
            proc = self.provision()
            self.assertEqual(proc.returncode, 0, f"rerun {attempt}: got exit {proc.returncode}\n{proc.stderr}")
            self.assertIn("0 object(s) moved", proc.stdout, f"rerun {attempt}: {proc.stdout}")
            proc = support.manage("migrate", "--noinput", env=support.migration_env())
            self.assertEqual(proc.returncode, 0, f"migrate as owner: got exit {proc.returncode}\n{proc.stderr}")
        after = privileges_snapshot()
        self.assertEqual(after, before, "a rerun changed owners or privileges")

    def test_output_holds_no_secret(self):
        proc = self.provision()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        output = proc.stdout + proc.stderr
        for name in (support.MASTER_SECRET, support.OWNER_SECRET, support.APP_SECRET):
            password = support.secret_value(name)["password"]
            self.assertNotIn(password, output, f"the {name} password appears in the output")
        self.assertNotIn("SCRAM-SHA-256$", output)
        log = open(support.require_env("TEST_PG_LOG"), errors="replace").read()
        for name in (support.OWNER_SECRET, support.APP_SECRET):
            self.assertNotIn(support.secret_value(name)["password"], log, "a password reached the server log")

    def test_upgrade_from_tables_owned_by_the_master(self):
        database = "upgrade_" + uuid.uuid4().hex[:8]
        master = support.secret_value(support.MASTER_SECRET)
        run_sql_as(master, f"CREATE DATABASE {database}", "postgres")
        self.addCleanup(support.psql, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)", database="postgres")
        # The stack before this change: migrations ran as the master user.
        old_env = support.service_env(DB_NAME=database, DB_SECRET_ARN=support.secret_arn(support.MASTER_SECRET))
        proc = support.manage("migrate", "--noinput", env=old_env)
        self.assertEqual(proc.returncode, 0, f"migrate as master: {proc.stderr}")
        owners = support.psql("SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class WHERE relname LIKE 'notes%'",
                              database=database).split()
        self.assertEqual(owners, [MASTER], f"precondition: got owners {owners}")

        proc = self.provision(database)
        self.assertEqual(proc.returncode, 0, f"provision: {proc.stdout}{proc.stderr}")
        self.assertRegex(proc.stdout, r"[1-9]\d* object\(s\) moved from master to app_owner")
        proc = support.manage("migrate", "--noinput", env=support.migration_env(DB_NAME=database))
        self.assertEqual(proc.returncode, 0, f"migrate as owner after the upgrade: {proc.stderr}")
        owners = support.psql("SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c"
                              " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'",
                              database=database).split()
        self.assertEqual(owners, [OWNER], f"owners after the upgrade: got {owners}, want {OWNER}")
        self.assert_least_privilege(database)

    def test_changed_app_password_takes_effect(self):
        client = support.secrets_client()
        old = support.secret_value(support.APP_SECRET)
        new = dict(old, password=secrets.token_urlsafe(24))
        client.put_secret_value(SecretId=support.secret_arn(support.APP_SECRET), SecretString=json.dumps(new))
        proc = self.provision()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        run_sql_as(new, "SELECT 1")
        with self.assertRaises(psycopg2.OperationalError, msg="the old app password still logs in"):
            run_sql_as(old, "SELECT 1")

    def test_bad_input_fails_clearly_and_changes_nothing(self):
        client = support.secrets_client()
        suffix = uuid.uuid4().hex[:6]
        same_as_owner = client.create_secret(Name=f"bad-same-{suffix}", SecretString=json.dumps(
            {"username": OWNER, "password": "whatever-123"}))["ARN"]
        no_password = client.create_secret(Name=f"bad-nopw-{suffix}", SecretString=json.dumps(
            {"username": "someone"}))["ARN"]
        bad_name = client.create_secret(Name=f"bad-name-{suffix}", SecretString=json.dumps(
            {"username": "x; DROP TABLE notes_note", "password": "whatever-123"}))["ARN"]
        new_role = client.create_secret(Name=f"bad-new-{suffix}", SecretString=json.dumps(
            {"username": f"fresh_{suffix}", "password": "whatever-123"}))["ARN"]
        support.psql(f"CREATE ROLE super_{suffix} SUPERUSER LOGIN")
        self.addCleanup(support.psql, f"DROP ROLE IF EXISTS super_{suffix}")
        superuser = client.create_secret(Name=f"bad-super-{suffix}", SecretString=json.dumps(
            {"username": f"super_{suffix}", "password": "whatever-123"}))["ARN"]
        before = privileges_snapshot()
        cases = [
            ({"DB_APP_SECRET_ARN": None}, "DB_APP_SECRET_ARN is not set"),
            ({"DB_ADMIN_SECRET_ARN": None}, "DB_ADMIN_SECRET_ARN is not set"),
            ({"DB_APP_SECRET_ARN": no_password}, "key 'password' is missing"),
            ({"DB_APP_SECRET_ARN": same_as_owner}, "must name three different users"),
            ({"DB_APP_SECRET_ARN": bad_name}, "is not a lower-case PostgreSQL identifier"),
            # The new owner role is created, then the app role is refused:
            # the whole transaction, the new role included, rolls back.
            ({"DB_SECRET_ARN": new_role, "DB_APP_SECRET_ARN": superuser}, "exists with SUPERUSER"),
        ]
        for overrides, want in cases:
            with self.subTest(overrides=overrides):
                env = support.migration_env()
                for key, value in overrides.items():
                    if value is None:
                        env.pop(key)
                    else:
                        env[key] = value
                proc = support.manage("provision_db_roles", env=env)
                self.assertNotEqual(proc.returncode, 0, f"exit: got 0, want non-zero\n{proc.stdout}")
                self.assertIn(want, proc.stderr, f"stderr: got {proc.stderr[-600:]}")
                self.assertNotIn("Traceback", proc.stderr, "want a message, not a traceback")
        self.assertEqual(privileges_snapshot(), before, "a failed run changed owners or privileges")
        roles = support.psql(f"SELECT count(*) FROM pg_roles WHERE rolname = 'fresh_{suffix}'").strip()
        self.assertEqual(roles, "0", "a failed run left a role behind")


if __name__ == "__main__":
    unittest.main()
