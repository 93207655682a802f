"""Uploaded files: only the types officials exchange, recognised by content, not by name.

Every stage that takes a file (proposal attachments, close-out documents, evaluation evidence)
checks it here, so the same file is accepted or refused everywhere with the same message."""

import errno
import logging
import os
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from kernel.errors import DomainError

log = logging.getLogger(__name__)
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
# Extension -> the signature its first bytes must start with.
SIGNATURES: dict[str, bytes] = {
    ".pdf": b"%PDF-",
    ".docx": ZIP,
    ".xlsx": ZIP,
    ".doc": OLE,
    ".xls": OLE,
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
    ".png": b"\x89PNG\r\n\x1a\n",
    ".ofd": ZIP,
}

# ZIP-based types: what the archive must hold to be that type and not just any ZIP.
OOXML_MAIN = {
    ".docx": b"wordprocessingml.document.main+xml",
    ".xlsx": b"spreadsheetml.sheet.main+xml",
}


def _zip_is(upload: Any, suffix: str) -> bool:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = {name.lower(): name for name in archive.namelist()}
            if suffix == ".ofd":
                return "ofd.xml" in names
            types = names.get("[content_types].xml")
            if types is None:
                return False
            with archive.open(types) as part:
                return OOXML_MAIN[suffix] in part.read(64 * 1024)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return False
    finally:
        upload.seek(0)


def check_upload(upload: Any, *, max_name: int | None = None) -> str:
    """Return the clean file name, or raise with a message the user can act on. `max_name`:
    the length of the column the name is kept in; a longer name is refused before anything
    is written (the caller that shortens names with `limited_name` needs none)."""
    name = PurePath(upload.name).name
    if max_name is not None and len(name) > max_name:
        raise DomainError(name_too_long(max_name))
    suffix = PurePath(name).suffix.lower()
    if suffix not in SIGNATURES:
        raise DomainError(
            _("%(name)s: files of this type are not accepted. Allowed: %(types)s.")
            % {"name": name, "types": ", ".join(sorted(SIGNATURES))}
        )
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise DomainError(
            _("%(name)s is larger than %(limit)s.")
            % {"name": name, "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES)}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(SIGNATURES[suffix]) or (
        SIGNATURES[suffix] == ZIP and not _zip_is(upload, suffix)
    ):
        raise DomainError(
            _("%(name)s does not look like a %(type)s file.") % {"name": name, "type": suffix}
        )
    return name


def name_too_long(max_name: int) -> str:
    return _(
        "The file name is longer than %(max)s characters. Rename the file with a shorter name "
        "and upload it again."
    ) % {"max": max_name}


# The platform's rule: a stored path is "<folder>/<id>/<name>" within a FileField's 100
# characters, so a file's name is kept to this many characters (its extension kept).
NAME_LIMIT = 80


def limited_name(name: str, limit: int = NAME_LIMIT) -> str:
    """`name` shortened to `limit` characters, keeping its extension."""
    if len(name) <= limit:
        return name
    path = PurePath(name)
    suffix = path.suffix[:10]
    return path.stem[: max(1, limit - len(suffix))] + suffix


class StorageFailed(DomainError):
    """The storage could not write an uploaded file (a full disk); nothing was saved."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "The file could not be stored: the platform's storage is full or unavailable. "
                "Nothing was saved. Try again later, and tell the platform's administrators "
                "if it happens again."
            )
        )


def storage_failed() -> StorageFailed:
    """What the user is told when the file could not be written (a full disk)."""
    return StorageFailed()


# The errors of a storage out of room: no space on the device, or the disk quota reached.
STORAGE_FULL = {errno.ENOSPC, errno.EDQUOT}


class StorageFailedMiddleware:
    """A full disk met by any upload (an attachment, an imported workbook, a document) answers
    a page that says so in the user's language (503, try again later), never a 500 traceback:
    the upload's transaction was rolled back and the storage deleted what it had written."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        full = isinstance(exception, OSError) and exception.errno in STORAGE_FULL
        if not (full or isinstance(exception, StorageFailed)):
            return None
        log.error("upload refused by the storage: %s", exception)
        back = request.headers.get("referer", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = ""
        context = {"message": StorageFailed().message, "back": back}
        return render(request, "storage_full.html", context, status=503)


@contextmanager
def file_saved(field: FieldFile, name: str, upload: Any) -> Iterator[None]:
    """Write `upload` into `field` under `name` (the row is not saved), then run the block —
    the row's save and its audit entry — in a savepoint; if the block fails the written file
    is deleted again, so no file is ever left without its record. A write the storage
    refuses (a full disk) raises `storage_failed()`, a DomainError, and leaves no file.

    Called outside any transaction, the savepoint is the transaction, and a failed commit is
    caught too; inside one, the caller's later rollback is not seen (keep the block last)."""
    try:
        field.save(name, upload, save=False)
    except OSError as exc:
        log.exception("upload %s not stored", name)
        raise storage_failed() from exc
    try:
        with transaction.atomic():
            yield
    except BaseException:
        try:
            field.delete(save=False)
        except OSError:  # the error that stopped the save is the one to report
            log.exception("orphan upload %s not deleted", field.name)
        raise


class UploadStorage(FileSystemStorage):
    """MEDIA_ROOT, where a write that fails half-way (a full disk: ENOSPC) deletes what it
    wrote: Django's own storage leaves the partial file behind. Every file is streamed into
    a file this storage creates (O_EXCL), so the file deleted is always its own."""

    def _save(self, name: str, content: Any) -> str:
        full_path = self.path(name)
        os.makedirs(os.path.dirname(full_path), exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        while True:
            try:
                fd = os.open(full_path, flags, 0o666)
                break
            except FileExistsError:  # taken since get_available_name: another name
                name = self.get_available_name(name)
                full_path = self.path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk if isinstance(chunk, bytes) else chunk.encode())
        except BaseException:
            os.remove(full_path)
            raise
        if self.file_permissions_mode is not None:
            os.chmod(full_path, self.file_permissions_mode)
        return os.path.relpath(full_path, self.location).replace("\\", "/")
