"""Exports that run as background jobs (issue #13), fetched in tests as a user gets them: the
export link queues the job and leads to its page, the job runs (inline, as the request's
transaction commits) and its page offers the file."""

import tempfile
from typing import Any

from django.http import HttpResponse
from django.test import Client, TestCase, override_settings


def exported(client: Client, url: str, data: Any = None, **extra: Any) -> Any:
    """GET an export link; the file the job built, as a plain 200 response with its content.
    A refusal (403, 404) or anything but a redirect to a job page is returned as it came;
    a job that failed gives its page (no file)."""
    with (
        tempfile.TemporaryDirectory() as media,
        override_settings(JOBS_RUN_INLINE=True, MEDIA_ROOT=media),
    ):
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.get(url, data, **extra)
        location = response.get("Location", "")
        if response.status_code != 302 or not location.startswith("/jobs/"):
            return response
        download: Any = client.get(f"{location}download/", **extra)
        if download.status_code != 200:
            return client.get(location, **extra)
        content = b"".join(download.streaming_content)
        plain = HttpResponse(content, content_type=download["Content-Type"])
        plain["Content-Disposition"] = download["Content-Disposition"]
        return plain


def job_file(response: Any) -> bytes:
    """The file of the export job `response` (the export link's redirect) queued: the job is
    run here, as a worker would, and its file downloaded by the same client."""
    from jobs.services import job_run

    location = response["Location"]
    assert response.status_code == 302 and location.startswith("/jobs/"), location
    job_id = int(location.strip("/").split("/")[-1])
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        job_run(job_id=job_id)
        download = response.client.get(f"{location}download/")
        assert download.status_code == 200, download.status_code
        return b"".join(download.streaming_content)
