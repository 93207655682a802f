"""A file the browser saves, under a name that may be Chinese."""

from pathlib import PurePath

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def download(content: bytes, name: str, content_type: str = XLSX) -> HttpResponse:
    """`content` as an attachment named `name` (RFC 6266: non-ASCII names are encoded)."""
    response = HttpResponse(content, content_type=content_type)
    header = content_disposition_header(True, name)
    assert header is not None  # None only for an inline file without a name
    response["Content-Disposition"] = header
    return response


def stored_file(stored: FieldFile, name: str) -> FileResponse:
    """A stored upload as a download under its original name; 404 when there is none or it is
    gone from the storage (a record alone is nothing to serve)."""
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle, as_attachment=True, filename=name or PurePath(stored.name or "").name
    )


def stamp() -> str:
    """The local date and minute, for the name of an export ("tasks-20261202-1030.xlsx")."""
    return timezone.localtime().strftime("%Y%m%d-%H%M")
