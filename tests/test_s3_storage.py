"""Uploads in an S3-compatible bucket (the shared storage of several app servers): a real S3
server on loopback (moto's), written through the service and read back through the views,
which check the user's right before streaming the object."""

from collections.abc import Iterator

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from moto.server import ThreadedMotoServer

from jiebang.env import uploads_storage
from jobs.models import Job
from jobs.services import job_attach_result
from proposals.models import Attachment
from tests.conftest import client_for, make_proposal

PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"trailer <</Size 2 /Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch, media_root, request) -> object:
    """A fresh private bucket, and the uploads storage pointed at it as jiebang/settings.py
    does when S3_BUCKET is set."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "jiebang-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "jiebang-test-secret")
    name = f"jiebang-{request.node.name.replace('_', '-')[:40]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": uploads_storage(bucket=name, endpoint_url=s3_endpoint, region="us-east-1"),
    }
    return client.list_objects_v2, client.get_object, name


def objects(bucket) -> dict[str, bytes]:
    list_objects, get_object, name = bucket
    keys = [o["Key"] for o in list_objects(Bucket=name).get("Contents", [])]
    return {key: get_object(Bucket=name, Key=key)["Body"].read() for key in keys}


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_an_attachment_goes_to_the_bucket_and_comes_back_by_right(users, cycle, bucket, media_root):
    draft = make_proposal(cycle, users["sichuan"])
    sichuan = client_for(users["sichuan"])
    sichuan.post(
        f"/proposals/{draft.pk}/attachments/", {"file": SimpleUploadedFile("方案.pdf", PDF)}
    )
    attachment = Attachment.objects.get()
    stored = objects(bucket)
    assert list(stored.values()) == [PDF]
    assert attachment.file.name in stored
    assert not any(p.is_file() for p in media_root.rglob("*"))  # nothing on the local disk

    url = f"/attachments/{attachment.pk}/"
    response = sichuan.get(url)
    assert response.status_code == 200
    assert body(response) == PDF
    assert "filename*=utf-8''%E6%96%B9%E6%A1%88.pdf" in response["Content-Disposition"]
    # The bucket's object is not a way round the rights: a draft is its locality's alone.
    for name in ("national", "guangdong", "public"):
        assert client_for(users[name]).get(url).status_code == 404, name
    draft.state, draft.submitted_at = "submitted", timezone.now()
    draft.save()
    assert body(client_for(users["national"]).get(url)) == PDF


def test_a_job_result_is_read_back_from_the_bucket_by_its_owner_only(users, bucket):
    job = Job.objects.create(kind="export", created_by=users["national"], state=Job.State.DONE)
    job_attach_result(job, "任务清单.xlsx", b"PK\x03\x04 a workbook")
    job.save()
    assert list(objects(bucket).values()) == [b"PK\x03\x04 a workbook"]

    url = f"/jobs/{job.pk}/download/"
    response = client_for(users["national"]).get(url)
    assert response.status_code == 200
    assert body(response) == b"PK\x03\x04 a workbook"
    assert client_for(users["sichuan"]).get(url).status_code == 404
