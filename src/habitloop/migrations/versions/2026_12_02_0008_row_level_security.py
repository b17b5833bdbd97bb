"""row level security

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

PostgreSQL only (SQLite keeps the application's own scoping). Every per-user table has row
level security enabled and forced, with a policy per command for ``authenticated`` on the rows
whose ``user_id`` is ``(select auth.uid())`` (a sub-select, so it is evaluated once per
statement; every per-user index leads with ``user_id``); ``service_role`` may do everything and
``anon`` nothing. The task library is read by ``authenticated`` and written by ``service_role``.
An archetype's pooled bandit sums are read and added to by the users of that archetype only:
each answer adds its change to them in the same transaction. Grants are trimmed to what each
role needs.

On plain PostgreSQL the roles ``anon``, ``authenticated`` and ``service_role`` and a compatible
``auth.uid()`` are created when missing (marked, so that the downgrade removes only what this
created, and the roles, which the whole server shares, only once no database uses them); on
Supabase they are there and are used as they are.

A later migration that reads or moves rows of these tables, run by an owner that does not
bypass row level security, sees none of them (``habitloop db upgrade`` makes that an error):
it turns the forcing off around its data statements (``ALTER TABLE ... NO FORCE ROW LEVEL
SECURITY``, then ``FORCE`` again, in the same transaction). A table added later with a
``user_id`` gets the same policies in its own migration; the tests check every table.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import context, op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PER_USER = (
    "users",
    "checkins",
    "plans",
    "plan_items",
    "decisions",
    "rotation_state",
    "feedback",
    "profiles",
    "bandit_models",
)
LIBRARY = ("tasks", "library_state")
POOLED = "bandit_population"
API_ROLES = ("anon", "authenticated", "service_role")
MARK = "created by habitloop (migration 0008)"

OWN_ROWS = "user_id = (select auth.uid())"
OWN_ARCHETYPE = (
    "archetype = (select u.archetype from users u where u.user_id = (select auth.uid()))"
)
COMMANDS = ("select", "insert", "update", "delete")

CREATE_ROLES = f"""
DO $roles$
DECLARE
    api_role text;
BEGIN
    FOREACH api_role IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
        IF to_regrole(api_role) IS NULL THEN
            BEGIN
                EXECUTE 'CREATE ROLE ' || quote_ident(api_role) || ' NOLOGIN NOINHERIT';
                EXECUTE 'COMMENT ON ROLE ' || quote_ident(api_role) || ' IS '
                    || quote_literal('{MARK}');
            EXCEPTION
                -- Another database of the cluster created it at the same moment.
                WHEN duplicate_object OR unique_violation THEN NULL;
                WHEN insufficient_privilege THEN RAISE EXCEPTION USING MESSAGE =
                    'habitloop needs the roles anon, authenticated and service_role: create '
                    || 'them (README, Security), or migrate as a role with CREATEROLE';
            END;
        END IF;
    END LOOP;
END
$roles$"""

CREATE_AUTH_UID = f"""
DO $auth$
BEGIN
    IF to_regprocedure('auth.uid()') IS NOT NULL THEN
        RETURN;
    END IF;
    IF to_regnamespace('auth') IS NULL THEN
        CREATE SCHEMA auth;
        COMMENT ON SCHEMA auth IS '{MARK}';
    END IF;
    -- Supabase's auth.uid(): the subject of the claims the transaction set, or null.
    CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $uid$
        SELECT (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')::uuid
    $uid$;
    COMMENT ON FUNCTION auth.uid() IS '{MARK}';
    REVOKE ALL ON FUNCTION auth.uid() FROM PUBLIC;
    GRANT USAGE ON SCHEMA auth TO authenticated, service_role;
    GRANT EXECUTE ON FUNCTION auth.uid() TO authenticated, service_role;
END
$auth$"""

DROP_AUTH_UID = f"""
DO $auth$
BEGIN
    IF obj_description(to_regprocedure('auth.uid()'), 'pg_proc') = '{MARK}' THEN
        DROP FUNCTION auth.uid();
    END IF;
    IF obj_description(to_regnamespace('auth'), 'pg_namespace') = '{MARK}' THEN
        DROP SCHEMA auth;
    END IF;
END
$auth$"""

DROP_ROLES = f"""
DO $roles$
DECLARE
    api_role text;
BEGIN
    -- Roles belong to the whole cluster: while another database still uses any of them (this
    -- one no longer does), all three stay, so that database keeps every role its schema names.
    IF EXISTS (SELECT 1 FROM pg_shdepend WHERE refclassid = 'pg_authid'::regclass
               AND refobjid IN (SELECT oid FROM pg_roles
                                WHERE rolname IN ('anon', 'authenticated', 'service_role'))) THEN
        RAISE NOTICE USING MESSAGE =
            'kept the roles anon, authenticated and service_role: another database uses them';
        RETURN;
    END IF;
    FOREACH api_role IN ARRAY ARRAY['service_role', 'authenticated', 'anon'] LOOP
        IF shobj_description(to_regrole(api_role), 'pg_authid') = '{MARK}' THEN
            EXECUTE 'DROP ROLE ' || quote_ident(api_role);
        END IF;
    END LOOP;
END
$roles$"""


def _for_supabase() -> bool:
    return bool(context.config.attributes.get("habitloop_supabase", False))


def _grants() -> list[str]:
    tables = ", ".join((*PER_USER, *LIBRARY, POOLED))
    return [
        f"REVOKE ALL ON TABLE {tables}, alembic_version FROM PUBLIC, {', '.join(API_ROLES)}",
        "REVOKE ALL ON SEQUENCE library_state_id_seq FROM PUBLIC, " + ", ".join(API_ROLES),
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE {', '.join(PER_USER)}"
        " TO authenticated, service_role",
        f"GRANT SELECT ON TABLE {', '.join(LIBRARY)} TO authenticated",
        f"GRANT SELECT, INSERT, UPDATE ON TABLE {POOLED} TO authenticated",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE {', '.join((*LIBRARY, POOLED))}"
        " TO service_role",
        "GRANT USAGE ON SEQUENCE library_state_id_seq TO service_role",
        # The service's start reads the schema's revision.
        "GRANT SELECT ON TABLE alembic_version TO service_role",
    ]


def _policy(table: str, name: str, command: str, role: str, rows: str | None) -> str:
    """``rows`` limits what the command sees (``using``) and what it may write (``with
    check``), as fits the command; None: every row."""
    condition = rows or "true"
    statement = f"CREATE POLICY {table}_{name} ON {table} FOR {command.upper()} TO {role}"
    if command in ("select", "delete"):
        return f"{statement} USING ({condition})"
    if command == "insert":
        return f"{statement} WITH CHECK ({condition})"
    return f"{statement} USING ({condition}) WITH CHECK ({condition})"


def _policies() -> list[str]:
    statements = []
    for table in PER_USER:
        statements += [_policy(table, f"{c}_own", c, "authenticated", OWN_ROWS) for c in COMMANDS]
    for table in LIBRARY:
        # Retired tasks too: users' plans and answers still point at them, and each worker
        # keeps one copy of the library for every caller, whoever's request loaded it.
        statements.append(_policy(table, "read", "select", "authenticated", None))
    statements += [
        _policy(POOLED, f"{c}_own_archetype", c, "authenticated", OWN_ARCHETYPE)
        for c in ("select", "insert", "update")
    ]
    for table in (*PER_USER, *LIBRARY, POOLED):
        statements.append(_policy(table, "service", "all", "service_role", None))
    return statements


def _policy_names() -> list[tuple[str, str]]:
    names = [(t, f"{t}_{c}_own") for t in PER_USER for c in COMMANDS]
    names += [(t, f"{t}_read") for t in LIBRARY]
    names += [(POOLED, f"{POOLED}_{c}_own_archetype") for c in ("select", "insert", "update")]
    names += [(t, f"{t}_service") for t in (*PER_USER, *LIBRARY, POOLED)]
    return names


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    if not _for_supabase():
        op.execute(CREATE_ROLES)
        op.execute(CREATE_AUTH_UID)
    for statement in _grants():
        op.execute(statement)
    for table in (*PER_USER, *LIBRARY, POOLED):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        # Even the owner sees no row without a policy for it.
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    for statement in _policies():
        op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for table, name in _policy_names():
        op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")
    tables = (*PER_USER, *LIBRARY, POOLED)
    for table in tables:
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    roles = ", ".join(API_ROLES)
    op.execute(f"REVOKE ALL ON TABLE {', '.join(tables)}, alembic_version FROM {roles}")
    op.execute(f"REVOKE ALL ON SEQUENCE library_state_id_seq FROM {roles}")
    op.execute(DROP_AUTH_UID)
    op.execute(DROP_ROLES)
