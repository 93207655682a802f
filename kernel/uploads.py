"""Uploaded files: only the types officials exchange, recognised by content, not by name.

Every stage that takes a file (proposal attachments, close-out documents, evaluation evidence)
checks it here, so the same file is accepted or refused everywhere with the same message."""

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from kernel.errors import DomainError

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


def check_upload(upload: Any) -> str:
    """Return the clean file name, or raise with a message the user can act on."""
    name = PurePath(upload.name).name
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


@contextmanager
def file_saved(field: FieldFile, name: str, upload: Any) -> Iterator[None]:
    """Write `upload` into `field` under `name` (the row is not saved), then run the block —
    the row's save and its audit entry — in a savepoint; if the block fails the written file
    is deleted again, so no file is ever left without its record."""
    field.save(name, upload, save=False)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        field.delete(save=False)
        raise
