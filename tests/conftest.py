"""One test base: reference data loaded once, and named users for every role.

The `users` fixture gives an owner and outsiders for each scope: `sichuan` owns Sichuan's
proposals, `guangdong` is a colleague in another province, and the rest hold other roles.
"""

import contextlib
import datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection
from django.test import Client
from django.utils.translation.reloader import translation_file_changed

from accounts.models import Role, User
from proposals.models import Cycle, Proposal, ReformField
from proposals.reference import load_fields
from regions.models import Division, Organisation, Park, RegionGroup
from regions.reference import load_divisions, load_groups, load_parks

PASSWORD = "a-Long-test-password-1"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_reference_data()


@pytest.fixture(scope="session", autouse=True)
def flush_lifts_sqlite_triggers():
    """The test runner's flush (transactional tests, live_server) empties every table between
    tests. On SQLite it is DELETE FROM, which the triggers refusing to delete audit entries and
    published lists (audit 0003, lists 0005) would stop: the flush lifts every trigger, empties
    the tables and creates the triggers again as they were, in one transaction, as the
    database's owner would. Tests only; the app has no way around the triggers. PostgreSQL's
    flush is TRUNCATE, which row triggers do not see."""
    if connection.vendor != "sqlite":
        yield
        return
    operations = type(connection.ops)
    original = operations.sql_flush

    def sql_flush(self, style, tables, **options):
        statements = original(self, style, tables, **options)
        if not statements:
            return statements
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            triggers = cursor.fetchall()
        return [
            *(f'DROP TRIGGER "{name}";' for name, _sql in triggers),
            *statements,
            *(f"{sql};" for _name, sql in triggers),
        ]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(operations, "sql_flush", sql_flush)
        yield


def load_reference_data() -> None:
    load_divisions()
    load_groups()
    load_parks()
    load_fields()


@pytest.fixture(scope="module")
def reference_data_back(django_db_blocker):
    """For a module of transactional tests: each empties every table when it ends, so put the
    reference data (loaded once per session) back afterwards, with ids from 1 as the other
    tests of the same worker expect."""
    yield
    with django_db_blocker.unblock():
        tables = [
            m._meta.db_table
            for m in (Division, RegionGroup, RegionGroup.divisions.through, ReformField, Park)
        ]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_by_name_sql(
                no_style(), [{"table": table, "column": "id"} for table in tables]
            ):
                cursor.execute(sql)
        load_reference_data()


def division(code: str) -> Division:
    return Division.objects.get(code=code)


def make_user(username: str, role: str, **scope) -> User:
    user = User(username=username, first_name=username, role=role, **scope)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def users(db) -> dict[str, User]:
    return make_users()


def make_users() -> dict[str, User]:
    """The users of the `users` fixture, for fixtures of a wider scope."""
    scu = Organisation.objects.create(
        name="四川大学", kind="university", division=division("510107")
    )
    sysu = Organisation.objects.create(
        name="中山大学", kind="university", division=division("440105")
    )
    dept = Organisation.objects.create(
        name="四川省科学技术厅", kind="government", division=division("510000")
    )
    evaluator = Organisation.objects.create(
        name="评估中心", kind="evaluator", division=division("110000")
    )
    return {
        "national": make_user("national", Role.NATIONAL),
        "sichuan": make_user("sichuan", Role.LOCALITY, division=division("510000")),
        "guangdong": make_user("guangdong", Role.LOCALITY, division=division("440000")),
        "region": make_user("region", Role.LOCALITY, region_group_id=1),
        "city": make_user("city", Role.CITY, division=division("510100")),
        "implementer": make_user("implementer", Role.IMPLEMENTER, organisation=dept),
        "expert": make_user("expert", Role.EXPERT),
        "evaluator": make_user("evaluator", Role.EVALUATOR, organisation=evaluator),
        "innovator": make_user("innovator", Role.INNOVATION_BODY, organisation=scu),
        "other_innovator": make_user("other_innovator", Role.INNOVATION_BODY, organisation=sysu),
        "public": make_user("public", Role.PUBLIC),
        # A county under the city's prefecture, and a park in that prefecture (data/parks.csv
        # lists none in Sichuan or Guangdong: one added by hand). Their usernames are not the
        # role's, which tests of promotion use for users of their own.
        "county": make_user("wuhou_qu", Role.CITY, division=division("510107")),
        "park": make_user("gaoxin_park", Role.PARK, park=reporting_park()),
    }


def reporting_park() -> Park:
    """The park of the `park` user: in 成都市 (510100), so the city, Sichuan and the national
    level are above it."""
    chengdu = division("510100")
    park, _created = Park.objects.get_or_create(
        name="成都高新技术产业开发区（测试）",
        division=chengdu,
        defaults={"kind": Park.Kind.HIGH_TECH, "province": chengdu.province},
    )
    return park


@pytest.fixture
def cycle(users) -> Cycle:
    return open_cycle(users["national"])


def open_cycle(national: User) -> Cycle:
    """An open cycle whose deadline is still ahead."""
    return Cycle.objects.create(
        year=2099,
        title="2099年度征集",
        deadline=datetime.date(2099, 4, 30),
        opened_by=national,
    )


def proposal_data(**overrides) -> dict:
    data = {
        "title": "技术经理人全程参与的科技成果转化服务模式",
        "field": ReformField.objects.get(name="促进技术要素市场体系建设"),
        "problem": "科技成果转化链条长，缺少专业服务。",
        "content": "培育技术经理人队伍，全程参与成果转化。",
        "needs_national_authority": False,
        "ministries": "",
        "implementing_bodies": "省科技厅",
        "expected_results": "形成可复制的转化服务模式",
        "targets": "培育技术经理人200名",
        "timetable": "2099年底前完成",
        "risks": "",
        "contact_name": "张三",
        "contact_phone": "028-12345678",
    }
    data.update(overrides)
    return data


def make_proposal(cycle: Cycle, by: User, state: str = "draft", **overrides) -> Proposal:
    from django.utils import timezone

    from proposals.services.proposals import proposal_create

    proposal = proposal_create(by=by, cycle=cycle, data=proposal_data(**overrides))
    if state != "draft":
        proposal.state, proposal.submitted_at = Proposal.State.SUBMITTED, timezone.now()
        proposal.save()
    if state == "returned":
        proposal.state, proposal.return_reason = Proposal.State.RETURNED, "请补充指标"
        proposal.save()
    return proposal


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """PBKDF2's deliberate slowness would dominate a suite that logs in hundreds of users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: the database is rolled back after a test, and
    figures kept in the cache (overview.snapshots) must not outlive it into the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded attachments and job files go to a temporary folder, not the project's media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def inline_jobs(settings, media_root, django_capture_on_commit_callbacks):
    """Jobs run as soon as the test's request "commits", as they do in production."""
    settings.JOBS_RUN_INLINE = True

    def run(request):
        with django_capture_on_commit_callbacks(execute=True):
            return request()

    return run


def _stale_catalogs() -> list[Path]:
    """The .po files whose .mo is missing or older than the .po."""
    stale = []
    for locale_path in django_settings.LOCALE_PATHS:
        for po in Path(locale_path).glob("*/LC_MESSAGES/*.po"):
            mo = po.with_suffix(".mo")
            if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
                stale.append(po)
    return stale


@pytest.fixture(scope="session", autouse=True)
def compiled_messages() -> None:
    """Compile the translations (.mo files are not committed) when missing or stale.

    Pages render in Chinese by default, so every test that renders one needs the catalogs.
    """
    stale = _stale_catalogs()
    if not stale:
        return
    with contextlib.chdir(django_settings.BASE_DIR):
        call_command("compilemessages", verbosity=0, ignore_patterns=[".venv", "node_modules"])
    # Drop any catalog gettext already loaded from the old .mo files.
    translation_file_changed(sender=None, file_path=stale[0].with_suffix(".mo"))


def prefilled_post_data(form) -> dict:
    """What a browser posts back for a prefilled form, unchanged."""
    data: dict = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data
