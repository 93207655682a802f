"""Backup and restore (issue #14): a backup of the database and the uploaded files, restored onto
a fresh installation (a new database and an empty uploads folder, by `manage.py restore` in a
process of its own), gives back every row of every table and every file byte for byte, with
the refusal triggers in place. A damaged archive, a target that is not empty, another engine
and a newer release are refused before anything is written.

Runs on the engine of the run: PostgreSQL (pg_dump/pg_restore, a new database created and
dropped here) or SQLite (the online-backup API, a new file)."""

import io
import json
import os
import stat
import subprocess
import sys
import tarfile
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import boto3
import openpyxl
import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, connections, transaction
from django.db.utils import load_backend
from moto.server import ThreadedMotoServer
from rest_framework.authtoken.models import Token

from accounts.models import User
from audit.models import AuditEntry
from jiebang.env import uploads_storage
from jobs.models import Job
from jobs.services import job_attach_result
from lists.models import ListVersion
from ops.databases import table_names
from proposals.models import Attachment, ReformField
from proposals.services.attachments import attachment_add
from regions.models import Division, Park, RegionGroup
from tests.conftest import client_for, load_reference_data, make_proposal
from tests.test_lists_fixtures import draft_list, make_candidate, publish

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
RESTORED = "restored"


@pytest.fixture(scope="module", autouse=True)
def _reference_data_back(reference_data_back):
    """Transactional tests empty the tables; the reference data comes back after."""


@pytest.fixture(autouse=True)
def _reference_data():
    """Each test here empties every table as it ends: the next one starts again from the
    reference data, with ids from 1 as the shared fixtures expect."""
    if Division.objects.exists():
        return
    tables = [
        model._meta.db_table
        for model in (Division, RegionGroup, RegionGroup.divisions.through, ReformField, Park)
    ]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_by_name_sql(
            no_style(), [{"table": table, "column": "id"} for table in tables]
        ):
            cursor.execute(sql)
    load_reference_data()


@pytest.fixture
def fresh(tmp_path):
    """A fresh installation beside the test's: a new empty database (a PostgreSQL database
    made and dropped here, or a new SQLite file) and an empty uploads folder. Its DATABASE_URL
    for a process of its own, and the alias `restored` to read it from here."""
    source = connection.settings_dict
    if connection.vendor == "postgresql":
        name = f"{source['NAME']}_restored"
        drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        with connection.cursor() as cursor:
            cursor.execute(drop)
            cursor.execute(f'CREATE DATABASE "{name}"')
        password = f":{quote(source['PASSWORD'])}" if source["PASSWORD"] else ""
        port = f":{source['PORT']}" if source["PORT"] else ""
        url = f"postgres://{quote(source['USER'])}{password}@{source['HOST']}{port}/{name}"
    else:
        name = str(tmp_path / "restored.sqlite3")
        url = f"sqlite:///{name}"
    # A connection of its own, handed to the handler but kept out of its settings: the test
    # case allows connections only to the databases it set up, and set this one up itself.
    backend = load_backend(source["ENGINE"])
    connections[RESTORED] = backend.DatabaseWrapper({**source, "NAME": name}, RESTORED)
    yield SimpleNamespace(url=url, media=tmp_path / "restored-media")
    connections[RESTORED].close()
    del connections[RESTORED]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(drop)


def workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.worksheets[0]
    sheet.append(["标题", "牵头单位"])
    sheet.append(["技术经理人全程参与的科技成果转化服务模式", "省科技厅"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def build_installation(users, cycle) -> None:
    """A little of everything, made through the services: users and their organisations, a
    proposal with an attachment, a published list (items, a consultation), the audit entries
    these leave, a finished job with its workbook, a session, an API token, a group with
    permissions (many-to-many rows)."""
    national, sichuan = users["national"], users["sichuan"]
    proposal = make_proposal(cycle, sichuan)
    attachment_add(proposal=proposal, by=sichuan, upload=SimpleUploadedFile("实施方案.pdf", PDF))
    candidates = [
        make_candidate(cycle, national, "技术经理人全程参与成果转化"),
        make_candidate(cycle, national, "知识产权质押融资", ministries="科技部、财政部"),
    ]
    publish(draft_list(cycle, national, candidates), national)
    job = Job.objects.create(
        kind="proposals.export",
        created_by=national,
        state=Job.State.DONE,
        params={"cycle": cycle.pk},
        errors=[{"row": 3, "message": "缺少标题"}],
    )
    job_attach_result(job, "建议书.xlsx", workbook())
    job.save()
    Token.objects.create(user=national)
    group = Group.objects.create(name="备份演练")
    group.permissions.add(*Permission.objects.filter(codename__startswith="view_")[:3])
    national.groups.add(group)
    assert client_for(sichuan).get("/").status_code == 200  # a session row


def plain(value):
    return bytes(value) if isinstance(value, memoryview) else value


def every_table(alias: str) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every row of every table, in an order independent of the database's."""
    db = connections[alias]
    tables = {}
    with db.cursor() as cursor:
        for table in table_names(alias):
            cursor.execute(f"SELECT * FROM {db.ops.quote_name(table)}")  # noqa: S608
            columns = [column[0] for column in cursor.description]
            rows = [tuple(plain(v) for v in row) for row in cursor.fetchall()]
            tables[table] = (columns, sorted(rows, key=repr))
    return tables


def triggers(alias: str) -> list[tuple[str, str]]:
    with connections[alias].cursor() as cursor:
        if connections[alias].vendor == "postgresql":
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal"
            )
        else:
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        return sorted(cursor.fetchall())


def every_file(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def backup(into: Path) -> Path:
    out = io.StringIO()
    call_command("backup", f"{into}/", stdout=out)
    made = Path(out.getvalue().rsplit(" to ", 1)[1].strip())
    # It holds password hashes, sessions and API tokens: its owner's only, whatever the umask.
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    return made


def restore_in_new_process(archive: Path, fresh) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": fresh.url, "MEDIA_ROOT": str(fresh.media)}
    env.pop("S3_BUCKET", None)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "restore", str(archive)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_restore_onto_a_fresh_installation_gives_back_every_row_and_file(
    users, cycle, media_root, fresh, tmp_path, settings
):
    build_installation(users, cycle)
    archive = backup(tmp_path / "backups")
    source_tables, source_files = every_table("default"), every_file(media_root)
    filled = {table for table, (_columns, rows) in source_tables.items() if rows}
    assert {
        "accounts_user",
        "accounts_user_groups",
        "auth_group_permissions",
        "audit_auditentry",
        "authtoken_token",
        "django_migrations",
        "django_session",
        "jobs_job",
        "lists_consultation",
        "lists_listitem",
        "lists_listversion",
        "proposals_attachment",
        "regions_regiongroup_divisions",
    } <= filled
    assert len(source_files) == 2  # the attachment and the job's workbook

    done = restore_in_new_process(archive, fresh)
    assert done.returncode == 0, done.stderr
    assert "restored" in done.stdout

    restored = every_table(RESTORED)
    assert restored.keys() == source_tables.keys()
    for table, content in source_tables.items():
        assert restored[table] == content, table
    assert every_file(fresh.media) == source_files
    # The refusal triggers came back with the rows, and refuse as before.
    assert triggers(RESTORED) == triggers("default") != []
    published = ListVersion.objects.using(RESTORED).get(state=ListVersion.State.PUBLISHED)
    with pytest.raises(DatabaseError), transaction.atomic(using=RESTORED):
        ListVersion.objects.using(RESTORED).filter(pk=published.pk).update(preamble="改过的")
    assert AuditEntry.objects.using(RESTORED).count() == AuditEntry.objects.count() > 0

    # A second restore with --force replaces what the installation holds meanwhile.
    Token.objects.using(RESTORED).all().delete()
    User.objects.using(RESTORED).filter(username="public").update(first_name="改过的")
    attachment = next(name for name in source_files if name.endswith(".pdf"))
    (fresh.media / attachment).write_bytes(b"%PDF-1.4 changed")
    assert every_table(RESTORED) != restored
    settings.MEDIA_ROOT = fresh.media
    call_command("restore", str(archive), "--force", database=RESTORED, stdout=io.StringIO())
    assert every_table(RESTORED) == restored
    assert every_file(fresh.media) == source_files


@pytest.fixture
def small_backup(users, cycle, media_root, tmp_path) -> Path:
    proposal = make_proposal(cycle, users["sichuan"])
    attachment_add(
        proposal=proposal, by=users["sichuan"], upload=SimpleUploadedFile("附件.pdf", PDF)
    )
    return backup(tmp_path / "backups")


def restore_into_fresh(archive: Path, fresh, settings, *options: str) -> None:
    settings.MEDIA_ROOT = fresh.media
    call_command("restore", str(archive), *options, database=RESTORED, stdout=io.StringIO())


def test_a_damaged_file_in_the_backup_is_refused_before_anything_is_written(
    small_backup, fresh, settings
):
    with tarfile.open(small_backup) as tar:
        member = next(m for m in tar if m.name.startswith("files/"))
    with small_backup.open("r+b") as raw:  # one byte of the attachment's content, in place
        raw.seek(member.offset_data + 5)
        byte = raw.read(1)
        raw.seek(member.offset_data + 5)
        raw.write(bytes([byte[0] ^ 0xFF]))

    with pytest.raises(CommandError, match="damaged") as refused:
        restore_into_fresh(small_backup, fresh, settings)
    assert member.name in str(refused.value)
    assert table_names(RESTORED) == []
    assert not fresh.media.exists()
    with pytest.raises(CommandError, match=member.name):
        call_command("restore", str(small_backup), "--check")


def rewrite_manifest(archive: Path, change) -> Path:
    changed = archive.with_name("changed.tar")
    with tarfile.open(archive) as source, tarfile.open(changed, "w") as target:
        for member in source:
            stream = source.extractfile(member)
            assert stream is not None
            data = stream.read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return changed


def test_a_restore_that_would_not_be_faithful_is_refused_saying_what_to_do(
    small_backup, users, fresh, settings
):
    """One test for four refusals (each transactional test costs a flush of every table)."""
    # A database that holds tables: the test's own.
    before = every_table("default")
    with pytest.raises(CommandError, match="is not empty .* --force"):
        call_command("restore", str(small_backup), stdout=io.StringIO())
    assert every_table("default") == before

    # Uploads already there.
    fresh.media.mkdir()
    (fresh.media / "left-over.pdf").write_bytes(PDF)
    with pytest.raises(CommandError, match="already holds files .* --force"):
        restore_into_fresh(small_backup, fresh, settings)
    (fresh.media / "left-over.pdf").unlink()

    # A backup of the other engine.
    other = {"postgresql": "sqlite", "sqlite": "postgresql"}[connection.vendor]
    changed = rewrite_manifest(small_backup, lambda m: m.update(engine=other))
    names = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
    expected = (
        f"backup is of a {names[other]} database and this installation's database is "
        f"{names[connection.vendor]}"
    )
    with pytest.raises(CommandError, match=expected):
        restore_into_fresh(changed, fresh, settings)

    # A backup made by a newer release, whose tables this code would not know.
    changed = rewrite_manifest(
        small_backup, lambda m: m["migrations"]["lists"].append("9999_from_the_future")
    )
    with pytest.raises(CommandError, match="newer release.*lists.9999_from_the_future"):
        restore_into_fresh(changed, fresh, settings)

    assert table_names(RESTORED) == []
    assert every_file(fresh.media) == {}


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_uploads_in_a_bucket_are_copied_into_the_backup_and_back(
    users, cycle, fresh, settings, monkeypatch, s3_endpoint, tmp_path
):
    """With S3_BUCKET the files are the bucket's objects, read and written through the app's
    storage: the backup holds copies, and the restore puts them into another, empty bucket."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "jiebang-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "jiebang-test-secret")
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")

    def use_bucket(name: str) -> None:
        s3.create_bucket(Bucket=name)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": uploads_storage(bucket=name, endpoint_url=s3_endpoint, region="us-east-1"),
        }

    def objects(name: str) -> dict[str, bytes]:
        listed = s3.list_objects_v2(Bucket=name).get("Contents", [])
        return {o["Key"]: s3.get_object(Bucket=name, Key=o["Key"])["Body"].read() for o in listed}

    use_bucket("backup-source")
    proposal = make_proposal(cycle, users["sichuan"])
    attachment_add(
        proposal=proposal, by=users["sichuan"], upload=SimpleUploadedFile("方案.pdf", PDF)
    )
    archive = backup(tmp_path / "backups")
    assert list(objects("backup-source").values()) == [PDF]

    use_bucket("backup-target")
    call_command("restore", str(archive), database=RESTORED, stdout=io.StringIO())
    assert objects("backup-target") == objects("backup-source")
    restored = Attachment.objects.using(RESTORED).get()
    assert restored.file.name in objects("backup-target")
