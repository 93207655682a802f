"""A file the browser saves, under a name that may be Chinese."""

from django.http import HttpResponse
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
