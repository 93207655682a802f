"""Backup and restore of an installation (备份与恢复): the database and the uploaded files in
one artefact with a manifest, restored onto an empty installation.

What a backup holds: every table of the database (users, proposals, lists, audit entries,
jobs, sessions, the job queue, Django's own tables) and every file of the uploads storage
(attachments, job inputs and results), whether that storage is MEDIA_ROOT or an S3 bucket
(read and written through Django's storage API, so objects are copied, not the bucket). What it
does not hold: SECRET_KEY (var/secret_key or the environment; keep it apart, with the same
care as the backup), the cache (Redis; rebuilt by itself), the static files (`collectstatic`),
e-mails written as files (var/mail), and, with S3, the bucket's settings and old object
versions and anything outside its S3_PREFIX.

The database is copied first and the files after: a file is written before the row naming it
commits, so every file the copied rows name is in the files taken after them.
"""

import datetime
import posixpath
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from ops.archive import (
    FILES,
    FORMAT,
    VERSION,
    archive_open,
    archive_verify,
    archive_write,
    manifest_read,
    member_stream,
)
from ops.databases import (
    DUMP_NAMES,
    ENGINE_NAMES,
    database_counts,
    database_dump,
    database_restore,
    engine_of,
    table_names,
)
from ops.errors import BackupError


def uploads() -> Storage:
    return storages["default"]


def storage_files(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file's name in the storage, folders walked depth first."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # MEDIA_ROOT not made yet: nothing uploaded
        return
    for name in sorted(files):
        yield posixpath.join(folder, name)
    for sub in sorted(folders):
        yield from storage_files(storage, posixpath.join(folder, sub))


def storage_description(storage: Storage) -> str:
    bucket = getattr(storage, "bucket_name", None)
    if bucket:  # django-storages' S3Storage, whose `location` is the prefix
        prefix = getattr(storage, "location", "")
        return f"the bucket {bucket}" + (f", prefix {prefix}" if prefix else "")
    return f"the folder {getattr(storage, 'location', '')}"


def backup_path(destination: str, engine: str, now: datetime.datetime) -> Path:
    """A folder (existing, or named with a trailing slash) gets a dated file; else the name."""
    path = Path(destination)
    if path.is_dir() or destination.endswith("/"):
        path.mkdir(parents=True, exist_ok=True)
        return path / f"jiebang-{engine}-{now:%Y%m%d-%H%M%S}.tar"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def backup_create(destination: str, *, using: str = "default") -> dict[str, Any]:
    """Write one backup (a tar: database, uploaded files, manifest); its manifest, with the
    path written to under "written_to"."""
    engine = engine_of(using)
    now = datetime.datetime.now(tz=datetime.UTC)
    path = backup_path(destination, engine, now)
    partial = path.with_name(path.name + ".partial")  # never mistaken for a whole backup
    try:
        with (
            tempfile.TemporaryDirectory(dir=path.parent) as work,
            archive_write(partial) as writer,
        ):
            dump = Path(work) / DUMP_NAMES[engine]
            database = database_dump(using, dump)
            database_entry = writer.add_file(DUMP_NAMES[engine], dump)
            dump.unlink()
            storage = uploads()
            files = [
                {**writer.add_storage_file(FILES + name, storage, name), "path": name}
                for name in storage_files(storage)
            ]
            manifest = _manifest(engine, now, database, database_entry, storage, files)
            writer.add_manifest(manifest)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    return {**manifest, "written_to": str(path)}


def _manifest(
    engine: str,
    now: datetime.datetime,
    database: dict[str, Any],
    database_entry: dict[str, Any],
    storage: Storage,
    files: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "created_at": now.isoformat(),
        "engine": engine,
        "database": {
            **database_entry,
            "server_version": database["server_version"],
            "pg_dump_major": database["tool_major"],
        },
        "migrations": database["migrations"],
        "tables": database["tables"],
        "storage": storage_description(storage),
        "files": files,
        "totals": {
            "tables": len(database["tables"]),
            "rows": sum(database["tables"].values()),
            "files": len(files),
            "file_bytes": sum(f["size"] for f in files),
        },
    }


def _code_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _check_release(manifest: dict[str, Any]) -> list[str]:
    """Refuse a backup made by a newer release (migrations this code does not have); the
    migrations of this release the backup lacks, for `migrate` to apply after the restore."""
    known = _code_migrations()
    apps = {app for app, _name in known}
    applied = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    unknown = sorted(m for m in applied - known if m[0] in apps)
    if unknown:
        raise BackupError(
            "The backup was made by a newer release of the application: these migrations are "
            "not in this one: "
            + ", ".join(f"{app}.{name}" for app, name in unknown[:10])
            + ". Install the release the backup was made with, then restore."
        )
    return sorted(f"{app}.{name}" for app, name in known - applied)


def _check_engine(manifest: dict[str, Any], using: str) -> None:
    engine = engine_of(using)
    if manifest["engine"] != engine:
        made = ENGINE_NAMES.get(manifest["engine"], manifest["engine"])
        here = ENGINE_NAMES[engine]
        raise BackupError(
            f"This backup is of a {made} database and this installation's database is {here}: "
            f"a backup is restored onto the engine it was made from. Point DATABASE_URL at an "
            f"empty {made} database and restore again."
        )


def _check_empty(using: str, storage: Storage, *, force: bool) -> None:
    tables = table_names(using)
    if tables and not force:
        name = connections[using].settings_dict["NAME"]
        raise BackupError(
            f"The database {name} is not empty ({len(tables)} tables): a restore replaces "
            "everything in it. Restore onto a new empty database (PostgreSQL: createdb; "
            "SQLite: a new file), or pass --force to replace its contents."
        )
    existing = next(iter(storage_files(storage)), None)
    if existing is not None and not force:
        raise BackupError(
            f"The uploads storage ({storage_description(storage)}) already holds files "
            f"({existing}...). Restore onto an empty one, or pass --force to overwrite the "
            "files of the same name."
        )


def backup_check(path: Path) -> dict[str, Any]:
    """Read the backup and check every member against the manifest; touch nothing."""
    with archive_open(path) as tar:
        manifest = manifest_read(tar)
        archive_verify(tar, manifest)
    return manifest


def backup_restore(path: Path, *, using: str = "default", force: bool = False) -> dict[str, Any]:
    """Restore the backup onto this installation's database and uploads storage, which must be
    empty unless `force`. Everything is checked before anything is written: the archive
    (digests), the engine, the release, the emptiness of the target. Returns the manifest,
    with the migrations still to apply under "pending_migrations"."""
    storage = uploads()
    with archive_open(path) as tar:
        manifest = manifest_read(tar)
        archive_verify(tar, manifest)
        _check_engine(manifest, using)
        pending = _check_release(manifest)
        _check_empty(using, storage, force=force)
        with tempfile.TemporaryDirectory() as work:
            dump = Path(work) / manifest["database"]["path"]
            with dump.open("wb") as out:
                shutil.copyfileobj(member_stream(tar, manifest["database"]["path"]), out)
            database_restore(
                using, dump, replace=force, tool_major=manifest["database"]["pg_dump_major"]
            )
        _check_counts(manifest, using)
        # Figures kept from before the restore (kernel.snapshots) must not outlive it.
        cache.clear()
        for entry in manifest["files"]:
            _restore_file(tar, storage, entry["path"])
    return {**manifest, "pending_migrations": pending}


def _check_counts(manifest: dict[str, Any], using: str) -> None:
    counts = database_counts(using)
    differences = [
        f"{table}: {counts.get(table)} rows, the backup {rows}"
        for table, rows in manifest["tables"].items()
        if counts.get(table) != rows
    ]
    if differences:
        raise BackupError(
            "The restored database differs from the backup:\n  " + "\n  ".join(differences)
        )


def _restore_file(tar: Any, storage: Storage, name: str) -> None:
    if storage.exists(name):  # only with --force: the target was checked empty otherwise
        storage.delete(name)
    saved = storage.save(name, File(member_stream(tar, FILES + name), name=name))
    if saved != name:
        raise BackupError(f"The uploads storage stored {name} as {saved}.")
