"""The database half of a backup: a consistent copy of the whole database, and its restore
onto an empty one, per engine.

PostgreSQL: `pg_dump --format=custom`, taken in one snapshot that the row counts of the
manifest share (exported by a REPEATABLE READ transaction and handed to pg_dump), so the
counts describe exactly the dump while the app keeps running. Restored by `pg_restore` into a
database with no tables, in one transaction (all or nothing).

The refusal triggers (a published list version never changes, lists/migrations/0003; audit
entries are never rewritten) stay in place and need no superuser: pg_restore runs the
archive's sections in order, the schema (tables, functions), then the data, then the indexes,
constraints and triggers, so the rows are loaded before any trigger exists and the triggers
come back as they were. (`--disable-triggers` or `session_replication_role = replica` would be
needed only for a data-only restore into an existing schema, and need a superuser; this
restore never does that.)

SQLite: the sqlite3 online-backup API copies the database page by page, consistent while the
app writes; the restore copies the backup into place through the same API, which replaces the
whole file under any other connection safely (no stale write-ahead log) and runs no trigger.
"""

import os
import re
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import connections

from ops.errors import BackupError

DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
ENGINE_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


def engine_of(using: str) -> str:
    vendor = connections[using].vendor
    if vendor not in DUMP_NAMES:
        raise BackupError(f"Backups of a {vendor} database are not supported.")
    return vendor


def table_names(using: str) -> list[str]:
    """The database's tables (views left out), or none on an empty database."""
    with connections[using].cursor() as cursor:
        return sorted(
            info.name
            for info in connections[using].introspection.get_table_list(cursor)
            if info.type == "t"
        )


def row_counts(cursor: Any, tables: list[str], quote: Any) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - our own tables
        counts[table] = cursor.fetchone()[0]
    return counts


def applied_migrations(cursor: Any, tables: list[str]) -> dict[str, list[str]]:
    """The migration state: the migrations applied, per app, in the order they were."""
    if "django_migrations" not in tables:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    state: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        state.setdefault(app, []).append(name)
    return state


def _run(command: list[str], env: dict[str, str]) -> str:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as exc:
        raise BackupError(
            f"{command[0]} is not installed: install PostgreSQL's client tools "
            "(Debian: apt-get install postgresql-client) of the server's version or later."
        ) from exc
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed:\n{done.stderr.strip()}")
    return done.stdout


def _tool_major(tool: str) -> int:
    """15 for "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"."""
    found = re.search(r"\)\s*(\d+)", _run([tool, "--version"], dict(os.environ)))
    if found is None:
        raise BackupError(f"Cannot tell the version of {tool}.")
    return int(found.group(1))


def _pg_env(settings: dict[str, Any]) -> dict[str, str]:
    """libpq's environment for the client tools: the password stays off the command line."""
    env = dict(os.environ)
    for variable, value in (
        ("PGHOST", settings.get("HOST")),
        ("PGPORT", settings.get("PORT")),
        ("PGUSER", settings.get("USER")),
        ("PGPASSWORD", settings.get("PASSWORD")),
        ("PGSSLMODE", settings.get("OPTIONS", {}).get("sslmode")),
    ):
        if value:
            env[variable] = str(value)
    return env


def _pg_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def postgresql_dump(using: str, into: Path) -> dict[str, Any]:
    wrapper = connections[using]
    snapshot_holder = wrapper.get_new_connection(wrapper.get_connection_params())
    try:
        with snapshot_holder.cursor() as cursor:
            # The snapshot pg_dump will read, shared with the counts below: the manifest
            # describes exactly the dump, however much the app writes meanwhile.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version_num')")
            snapshot, version_num = cursor.fetchone()
            server_major = int(version_num) // 10000
            tool_major = _tool_major("pg_dump")
            if tool_major < server_major:
                raise BackupError(
                    f"pg_dump {tool_major} cannot dump a PostgreSQL {server_major} server: "
                    f"install postgresql-client-{server_major}."
                )
            cursor.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'r' AND n.nspname = ANY(current_schemas(false)) "
                "ORDER BY c.relname"
            )
            tables = [name for (name,) in cursor.fetchall()]
            counts = row_counts(cursor, tables, _pg_quote)
            migrations = applied_migrations(cursor, tables)
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={into}",
                    "--no-password",
                    wrapper.settings_dict["NAME"],
                ],
                _pg_env(wrapper.settings_dict),
            )
    finally:
        snapshot_holder.close()
    return {
        "tables": counts,
        "migrations": migrations,
        "server_version": f"PostgreSQL {int(version_num) // 10000}.{int(version_num) % 10000}",
        "tool_major": tool_major,
    }


def postgresql_restore(using: str, dump: Path, *, replace: bool, tool_major: int) -> None:
    own_major = _tool_major("pg_restore")
    if own_major < tool_major:
        raise BackupError(
            f"The backup was made by pg_dump {tool_major}; pg_restore {own_major} cannot read "
            f"it: install postgresql-client-{tool_major} or later."
        )
    wrapper = connections[using]
    # pg_restore works on its own connection: ours must hold no lock it would wait for.
    wrapper.close()
    env = _pg_env(wrapper.settings_dict)
    name = f"--dbname={wrapper.settings_dict['NAME']}"
    # Owned by, and granted as on, this server: the roles of the old one may not exist.
    options = ["--no-owner", "--no-privileges"]
    if not replace:
        _run(
            ["pg_restore", "--exit-on-error", "--single-transaction", *options, "--no-password"]
            + [name, str(dump)],
            env,
        )
        return
    # Replacing: everything the app keeps lives in the schema `public` (tables, trigger
    # functions, pg_trgm), dropped whole (no trigger fires) and loaded anew in ONE transaction
    # with the dump's whole script, so a failed load leaves the old data as it was. The script
    # is written out first: a pg_restore dying halfway through a pipe would look like its end.
    script = dump.with_name(dump.name + ".sql")
    _run(["pg_restore", *options, f"--file={script}", str(dump)], env)
    try:
        _run(
            ["psql", "--no-psqlrc", "--quiet", "--single-transaction", "--no-password"]
            + ["--set=ON_ERROR_STOP=1", name]
            + ["--command=DROP SCHEMA public CASCADE", "--command=CREATE SCHEMA public"]
            + [f"--file={script}"],
            env,
        )
    finally:
        script.unlink(missing_ok=True)


def sqlite_dump(using: str, into: Path) -> dict[str, Any]:
    wrapper = connections[using]
    if wrapper.in_atomic_block:
        # The online backup waits for the connection's own write transaction to end: forever.
        raise BackupError("A SQLite backup cannot be taken inside a transaction.")
    wrapper.ensure_connection()
    target = sqlite3.connect(into)
    try:
        wrapper.connection.backup(target)
        tables = [
            name
            for (name,) in target.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        cursor = target.cursor()
        counts = row_counts(cursor, tables, _pg_quote)
        migrations = applied_migrations(cursor, tables)
    finally:
        target.close()
    return {
        "tables": counts,
        "migrations": migrations,
        "server_version": f"SQLite {sqlite3.sqlite_version}",
        "tool_major": None,
    }


def sqlite_restore(using: str, dump: Path) -> None:
    wrapper = connections[using]
    wrapper.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(wrapper.connection)
    finally:
        source.close()


def database_dump(using: str, into: Path) -> dict[str, Any]:
    """Copy the database into the file `into`; its tables' row counts and migration state."""
    if engine_of(using) == "postgresql":
        return postgresql_dump(using, into)
    return sqlite_dump(using, into)


def database_restore(using: str, dump: Path, *, replace: bool, tool_major: int | None) -> None:
    """Put the copy in place of the database `using` (empty, or `replace` to overwrite)."""
    if engine_of(using) == "postgresql":
        postgresql_restore(using, dump, replace=replace, tool_major=tool_major or 0)
    else:
        sqlite_restore(using, dump)


def database_counts(using: str) -> dict[str, int]:
    with connections[using].cursor() as cursor:
        return row_counts(cursor, table_names(using), connections[using].ops.quote_name)
