"""The backup artefact: one tar file holding the database copy, the uploaded files and a
manifest that lists every member with its size and SHA-256.

    database.dump | database.sqlite3   the database (pg_dump's custom format, or SQLite's file)
    files/<name>                       every file of the uploads storage, under its own name
    manifest.json                      written last, once every member's digest is known

A plain tar (no outer compression): pg_dump's format is compressed already, attachments
mostly are, and a plain tar can be read member by member without unpacking it.
"""

import hashlib
import json
import os
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.core.files.storage import Storage

from ops.errors import BackupError

FORMAT = "jiebang-backup"
VERSION = 1
MANIFEST = "manifest.json"
FILES = "files/"
CHUNK = 1024 * 1024
# Files up to this size are copied through memory, larger ones through a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024


def digest(stream: IO[bytes], into: IO[bytes] | None = None) -> tuple[int, str]:
    """Size and SHA-256 of what `stream` holds from where it stands, copied to `into`."""
    sha, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        sha.update(chunk)
        size += len(chunk)
        if into is not None:
            into.write(chunk)
    return size, sha.hexdigest()


class ArchiveWriter:
    """Adds members to a new tar, keeping each one's size and digest for the manifest."""

    def __init__(self, tar: tarfile.TarFile) -> None:
        self.tar = tar
        self.mtime = time.time()

    def add_file(self, name: str, path: Path) -> dict[str, Any]:
        with path.open("rb") as stream:
            size, sha = digest(stream)
            stream.seek(0)
            self._add(name, stream, size)
        return {"path": name, "size": size, "sha256": sha}

    def add_storage_file(self, name: str, storage: Storage, path: str) -> dict[str, Any]:
        """A file of the uploads storage: read once (it may be remote), spooled, then added."""
        with (
            storage.open(path, "rb") as stream,
            tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool,
        ):
            size, sha = digest(stream, into=spool)
            spool.seek(0)
            self._add(name, spool, size)
        return {"path": name, "size": size, "sha256": sha}

    def add_manifest(self, manifest: dict[str, Any]) -> None:
        data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
        with tempfile.SpooledTemporaryFile() as spool:
            spool.write(data)
            spool.seek(0)
            self._add(MANIFEST, spool, len(data))

    def _add(self, name: str, stream: IO[bytes], size: int) -> None:
        info = tarfile.TarInfo(name)
        info.size = size
        info.mode = 0o600
        info.mtime = self.mtime
        self.tar.addfile(info, stream)


@contextmanager
def archive_write(path: Path) -> Iterator[ArchiveWriter]:
    # Readable by its owner only: it holds password hashes, sessions and API tokens.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with (
        open(descriptor, "wb") as raw,
        tarfile.open(
            fileobj=raw,
            mode="w",
            format=tarfile.PAX_FORMAT,  # PAX: long, Chinese names as they are
        ) as tar,
    ):
        yield ArchiveWriter(tar)


@contextmanager
def archive_open(path: Path) -> Iterator[tarfile.TarFile]:
    try:
        # Opened apart from the `with` below, so that only a failure to open it is reported
        # as "not a backup", never an error of what the caller does with it.
        tar = tarfile.open(path, "r:")  # noqa: SIM115
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{path} is not a backup of this application: {exc}") from exc
    with tar:
        yield tar


def member_stream(tar: tarfile.TarFile, name: str) -> IO[bytes]:
    stream = tar.extractfile(name)
    if stream is None:
        raise BackupError(f"{name} in the backup is not a file.")
    return stream


def manifest_read(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        manifest = json.loads(member_stream(tar, MANIFEST).read())
    except KeyError as exc:
        raise BackupError(f"The backup has no {MANIFEST}: it is incomplete or not one.") from exc
    except ValueError as exc:
        raise BackupError(f"The backup's {MANIFEST} cannot be read: {exc}") from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(
            f"The backup is of format {manifest.get('format')!r} version "
            f"{manifest.get('version')!r}; this release reads {FORMAT!r} version {VERSION}."
        )
    return manifest


def safe_name(name: str) -> bool:
    """A stored file's name that stays inside the uploads storage."""
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def archive_verify(tar: tarfile.TarFile, manifest: dict[str, Any]) -> None:
    """Every member the manifest lists is present, a regular file, of the listed size and
    digest, and nothing else is there; else refuse, naming each difference."""
    expected = {manifest["database"]["path"]: manifest["database"]}
    for entry in manifest["files"]:
        if not safe_name(entry["path"]):
            raise BackupError(f"The backup names a file outside the uploads: {entry['path']!r}")
        expected[FILES + entry["path"]] = entry
    problems: list[str] = []
    seen = set()
    for member in tar:
        if member.name == MANIFEST:
            continue
        seen.add(member.name)
        entry = expected.get(member.name)
        if entry is None:
            problems.append(f"{member.name}: not in the manifest")
        elif not member.isfile():
            problems.append(f"{member.name}: not a regular file")
        else:
            size, sha = digest(member_stream(tar, member.name))
            if (size, sha) != (entry["size"], entry["sha256"]):
                problems.append(
                    f"{member.name}: {size} bytes, SHA-256 {sha}; the manifest says "
                    f"{entry['size']} bytes, SHA-256 {entry['sha256']}"
                )
    problems += [f"{name}: missing from the archive" for name in expected if name not in seen]
    if problems:
        raise BackupError(
            "The backup is damaged; nothing was restored.\n  " + "\n  ".join(problems)
        )
