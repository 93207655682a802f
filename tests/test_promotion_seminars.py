"""Exchange seminars (交流研讨会): when each batch's seminar is due, the daily job that proposes
it and reminds the national level, planning it, recording it as held, the periodic ones
thereafter, and who may do what.

Source 000: "定期、分批次组织跨区域交流研讨会，原则上各批次拟推广改革举措至国办发文之日起，一年后
组织交流研讨一次" (000文). "A year after the last one held" is the platform's rule (平台规则).
"""

import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from docx import Document
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from accounts.models import Role
from audit.models import AuditEntry
from jobs.models import Job
from jobs.registry import PERIODIC
from jobs.services import job_enqueue, job_run
from kernel.errors import Forbidden
from notifications.models import Notification
from promotion.jobs import KIND, SEMINARS_EVERY
from promotion.models import PromotionBatch, Seminar
from promotion.reference import load_promotion
from promotion.selectors.seminars import (
    HELD,
    ISSUED,
    PUBLISHED,
    UNKNOWN,
    SeminarDue,
    one_year_after,
    seminars_due,
)
from promotion.services.records import PromotionError
from promotion.services.seminars import seminar_plan, seminar_record_held, seminars_propose
from regions.models import Division, Park
from tests.conftest import client_for, make_user

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# Batch 3 (国办发〔2020〕3号): issued 2020-01-23 per data/batch_notices.csv.
BATCH3_ISSUED = datetime.date(2020, 1, 23)
BATCH3_DUE = datetime.date(2021, 1, 23)


@pytest.fixture
def batches(db) -> dict[int, PromotionBatch]:
    load_promotion()
    return {b.number: b for b in PromotionBatch.objects.all()}


def _due(today: datetime.date) -> dict[int, SeminarDue]:
    return {d.batch.number: d for d in seminars_due(today)}


def _open_for(batch: PromotionBatch) -> list[Seminar]:
    return list(batch.seminars.filter(state__in=["proposed", "planned"]).order_by("pk"))


# When a seminar is due --------------------------------------------------------------------


def test_batch_3_seminar_is_due_one_year_after_its_date_of_issue(batches):
    """source 000: "至国办发文之日起，一年后组织交流研讨一次"."""
    assert batches[3].doc_number == "国办发〔2020〕3号"
    assert batches[3].issued_on == BATCH3_ISSUED
    due = _due(datetime.date(2020, 12, 24))[3]
    assert (due.basis, due.counted_from, due.due_on) == (ISSUED, BATCH3_ISSUED, BATCH3_DUE)
    assert due.days_until == 30
    assert due.open_seminar is None and due.state == ""
    assert _due(datetime.date(2021, 2, 2))[3].days_until == -10
    assert _due(datetime.date(2021, 2, 2))[3].days_overdue == 10


def test_batch_1_counts_from_publication_and_says_so_batch_2_has_no_date(batches):
    due = _due(datetime.date(2018, 1, 1))
    assert (due[1].basis, due[1].due_on) == (PUBLISHED, datetime.date(2018, 9, 14))
    with translation.override("en"):
        assert "date of issue is not known" in due[1].basis_label
        assert "not known" in due[2].basis_label
    assert (due[2].basis, due[2].due_on, due[2].days_until) == (UNKNOWN, None, None)


def test_one_year_after_a_29_february():
    assert one_year_after(datetime.date(2024, 2, 29)) == datetime.date(2025, 2, 28)


def test_draft_batches_have_no_seminar(batches):
    PromotionBatch.objects.create(number=4, measure_count=1, state=PromotionBatch.State.DRAFT)
    assert sorted(_due(datetime.date(2030, 1, 1))) == [1, 2, 3]


# The reminder job ---------------------------------------------------------------------------


def test_the_job_proposes_once_and_tells_the_national_level_only(batches, users):
    province = users["sichuan"]
    users["national"].email = "national@example.org"
    users["national"].save()
    made = seminars_propose(today=BATCH3_DUE)
    # Batch 1 (due 2018-09-14) and batch 3 (due today); batch 2 has no date: none.
    assert sorted(s.batches.get().number for s in made) == [1, 3]
    seminar = _open_for(batches[3])[0]
    assert (seminar.state, seminar.proposed_for) == (Seminar.State.PROPOSED, BATCH3_DUE)
    assert _open_for(batches[2]) == []
    notes = Notification.objects.filter(url=reverse("promotion:seminar", args=[seminar.pk]))
    assert [n.user for n in notes] == [users["national"]]
    assert notes.get().email_wanted is True
    assert not Notification.objects.filter(user=province).exists()
    # Run again (the next day, or twice at once): nothing new.
    assert seminars_propose(today=BATCH3_DUE) == []
    assert seminars_propose(today=BATCH3_DUE + datetime.timedelta(days=1)) == []
    assert Seminar.objects.count() == 2
    assert seminar.batches.get() == batches[3]


def test_nothing_is_proposed_before_the_due_date(batches, users):
    made = seminars_propose(today=BATCH3_DUE - datetime.timedelta(days=1))
    assert [s.batches.get().number for s in made] == [1]
    assert _open_for(batches[3]) == []


def test_batch_2_without_a_date_never_gets_a_proposal(batches, users):
    seminars_propose(today=datetime.date(2040, 1, 1))
    assert _open_for(batches[2]) == []
    assert not batches[2].seminars.exists()


def test_a_seminar_the_national_level_planned_ahead_is_not_proposed_again(batches, users):
    seminar_plan(
        by=users["national"],
        title="第三批交流研讨会",
        batches=[batches[3]],
        held_on=datetime.date(2021, 1, 10),
    )
    made = seminars_propose(today=BATCH3_DUE)
    assert [s.batches.get().number for s in made] == [1]
    assert len(_open_for(batches[3])) == 1


def test_the_job_kind_is_daily_and_reads_the_moved_clock(batches, users):
    """The job takes its date from timezone.localdate(): moving Django's clock moves it."""
    assert PERIODIC[KIND] == SEMINARS_EVERY == datetime.timedelta(days=1)
    with time_machine.travel(datetime.datetime(2021, 1, 22, 9, 0, tzinfo=SHANGHAI), tick=False):
        job = job_enqueue(kind=KIND, by=None, params={"language": "en"})
        job_run(job_id=job.pk)
        job.refresh_from_db()
        assert job.state == Job.State.DONE
        assert job.message == "1 exchange seminar proposed; the national level was told."
        assert _open_for(batches[3]) == []
    with time_machine.travel(datetime.datetime(2021, 1, 23, 9, 0, tzinfo=SHANGHAI), tick=False):
        job = job_enqueue(kind=KIND, by=None, params={"language": "en"})
        job_run(job_id=job.pk)
        job.refresh_from_db()
        assert job.message == "1 exchange seminar proposed; the national level was told."
        assert [s.proposed_for for s in _open_for(batches[3])] == [BATCH3_DUE]
        job = job_enqueue(kind=KIND, by=None, params={"language": "en"})
        job_run(job_id=job.pk)
        job.refresh_from_db()
        assert job.message == "No exchange seminar was due."


# Planning and holding; the periodic ones thereafter -----------------------------------------


def test_after_a_seminar_is_held_the_next_is_due_a_year_later(batches, users):
    """Periodic ones thereafter: a year after the last one held (平台规则)."""
    national = users["national"]
    (proposed,) = [s for s in seminars_propose(today=BATCH3_DUE) if s.batches.get().number == 3]
    planned = seminar_plan(
        by=national,
        seminar=proposed,
        title="第三批改革举措交流研讨会",
        batches=[batches[3]],
        held_on=datetime.date(2021, 3, 10),
    )
    assert planned.pk == proposed.pk and planned.state == Seminar.State.PLANNED
    assert _due(datetime.date(2021, 3, 1))[3].state == Seminar.State.PLANNED
    held_on = datetime.date(2021, 3, 12)
    seminar_record_held(
        by=national,
        seminar=planned,
        held_on=held_on,
        regions=[Division.objects.get(code="510000"), Division.objects.get(code="440000")],
        agenda="交流第三批举措落地情况",
        practices="四川：成果转化",
        solutions="跨部门协调",
    )
    due = _due(datetime.date(2021, 4, 1))[3]
    assert (due.basis, due.last_held_on, due.due_on) == (HELD, held_on, datetime.date(2022, 3, 12))
    assert due.open_seminar is None
    with translation.override("en"):
        assert "platform's rule" in due.basis_label
    assert [
        s.batches.get().number for s in seminars_propose(today=datetime.date(2022, 3, 11))
    ] == []
    (again,) = seminars_propose(today=datetime.date(2022, 3, 12))
    assert again.proposed_for == datetime.date(2022, 3, 12)
    assert again.batches.get() == batches[3]
    # The provinces taking part were told of the record; another province was not.
    assert Notification.objects.filter(user=users["sichuan"]).count() == 1
    assert not Notification.objects.filter(user=users["city"]).exists()


def test_a_seminar_is_not_recorded_as_held_in_the_future_nor_without_provinces(batches, users):
    seminar = seminar_plan(
        by=users["national"],
        title="研讨会",
        batches=[batches[1]],
        held_on=datetime.date(2099, 1, 1),
    )
    with pytest.raises(PromotionError):
        seminar_record_held(
            by=users["national"],
            seminar=seminar,
            held_on=datetime.date(2099, 1, 1),
            regions=[Division.objects.get(code="510000")],
            agenda="议程",
            practices="",
            solutions="",
        )
    with pytest.raises(PromotionError):
        seminar_record_held(
            by=users["national"],
            seminar=seminar,
            held_on=datetime.date(2020, 1, 1),
            regions=[Division.objects.get(code="510100")],
            agenda="议程",
            practices="",
            solutions="",
        )


def test_a_province_cannot_plan_or_record_a_seminar(batches, users):
    with pytest.raises(Forbidden):
        seminar_plan(by=users["sichuan"], title="研讨会", batches=[batches[3]], held_on=BATCH3_DUE)
    (seminar, *_rest) = seminars_propose(today=BATCH3_DUE)
    client = client_for(users["sichuan"])
    assert client.get(reverse("promotion:seminar_new")).status_code == 403
    response = client.post(
        reverse("promotion:seminar_plan", args=[seminar.pk]),
        {"title": "x", "batches": [batches[3].pk], "held_on": "2021-03-01"},
    )
    assert response.status_code == 403
    assert client.get(reverse("promotion:seminar_held", args=[seminar.pk])).status_code == 403
    seminar.refresh_from_db()
    assert seminar.state == Seminar.State.PROPOSED
    # It reads them.
    assert client.get(reverse("promotion:seminars")).status_code == 200
    assert client.get(reverse("promotion:seminar", args=[seminar.pk])).status_code == 200


def test_refused_users(batches, users):
    (seminar, *_rest) = seminars_propose(today=BATCH3_DUE)
    for name in ("implementer", "expert", "innovator", "public"):
        client = client_for(users[name])
        assert client.get(reverse("promotion:seminars")).status_code == 403, name
        assert client.get(reverse("promotion:seminar", args=[seminar.pk])).status_code == 403
    anonymous = reverse("promotion:seminars")
    response = client_for(users["national"]).get(anonymous)
    assert response.status_code == 200
    from django.test import Client

    response = Client().get(anonymous)
    assert response.status_code == 302 and "login" in response["Location"]
    response = Client().get(reverse("promotion:seminar_docx", args=[seminar.pk]))
    assert response.status_code == 302


# The pages ----------------------------------------------------------------------------------


def test_the_national_level_plans_and_records_a_seminar_through_the_pages(batches, users):
    (seminar, *_rest) = [
        s for s in seminars_propose(today=BATCH3_DUE) if s.batches.get().number == 3
    ]
    client = client_for(users["national"])
    with translation.override("en"):
        page = client.get(
            reverse("promotion:seminar", args=[seminar.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
    assert page.status_code == 200
    response = client.post(
        reverse("promotion:seminar_plan", args=[seminar.pk]),
        {
            "title": "第三批交流研讨会",
            "batches": [batches[3].pk, batches[1].pk],
            "held_on": "2021-03-10",
        },
    )
    assert response.status_code == 302
    seminar.refresh_from_db()
    assert seminar.state == Seminar.State.PLANNED
    assert sorted(b.number for b in seminar.batches.all()) == [1, 3]
    # A rejected form keeps what was typed.
    response = client.post(
        reverse("promotion:seminar_held", args=[seminar.pk]),
        {"held_on": "2021-03-10", "agenda": "议程一", "practices": "做法"},
    )
    assert response.status_code == 200
    assert "议程一" in response.content.decode()
    response = client.post(
        reverse("promotion:seminar_held", args=[seminar.pk]),
        {
            "held_on": "2021-03-10",
            "regions": [Division.objects.get(code="510000").pk],
            "agenda": "议程一",
            "practices": "做法一",
            "solutions": "办法一",
        },
    )
    assert response.status_code == 302
    seminar.refresh_from_db()
    assert seminar.state == Seminar.State.HELD
    assert [d.code for d in seminar.regions.all()] == ["510000"]
    docx = client_for(users["sichuan"]).get(reverse("promotion:seminar_docx", args=[seminar.pk]))
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "议程一" in text and "做法一" in text and "办法一" in text and "四川省" in text


def test_the_list_shows_due_ones_first_and_exports(batches, users):
    seminars_propose(today=BATCH3_DUE)
    client = client_for(users["sichuan"])
    response = client.get(reverse("promotion:seminars"))
    assert response.status_code == 200
    due = response.context["due"]
    # Batch 1 (most overdue) first, batch 2 (no date) last.
    assert [d.batch.number for d in due] == [1, 3, 2]
    export = client.get(reverse("promotion:seminars_xlsx"))
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert isinstance(sheet, Worksheet)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3
    held_on = [row[4] for row in rows[1:]]
    assert all(isinstance(day, datetime.datetime) for day in held_on)  # date cells
    assert {day.date().isoformat() for day in held_on if isinstance(day, datetime.datetime)} == {
        "2018-09-14",
        "2021-01-23",
    }
    filtered = client.get(reverse("promotion:seminars"), {"batch": batches[3].pk})
    assert [s.pk for s in filtered.context["page"].object_list] == [
        s.pk for s in _open_for(batches[3])
    ]


def test_the_list_queries_are_bounded(batches, users, django_assert_max_num_queries):
    national = users["national"]
    provinces = list(Division.objects.filter(level=1)[:5])

    def add(start: int, count: int) -> None:
        for i in range(start, start + count):
            seminar = seminar_plan(
                by=national,
                title=f"研讨会{i}",
                batches=[batches[1], batches[3]],
                held_on=datetime.date(2020, 1, 1),
            )
            seminar_record_held(
                by=national,
                seminar=seminar,
                held_on=datetime.date(2020, 1, 1),
                regions=provinces,
                agenda="议程",
                practices="",
                solutions="",
            )

    add(0, 2)
    client = client_for(users["sichuan"])
    with django_assert_max_num_queries(14):
        assert client.get(reverse("promotion:seminars")).status_code == 200
    add(2, 10)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("promotion:seminars")).status_code == 200


def test_a_park_reads_the_seminars(batches, users):
    park = make_user("park", Role.PARK, park=Park.objects.order_by("code").first())
    assert client_for(park).get(reverse("promotion:seminars")).status_code == 200
    assert client_for(park).get(reverse("promotion:seminar_new")).status_code == 403


def test_a_new_seminar_answers_the_platforms_proposal(batches, users):
    """A seminar the national level plans itself, for the batches of a proposal, withdraws
    that proposal; so does one recorded as held. The next one falls due a year after it."""
    seminars_propose(today=BATCH3_DUE)
    own = seminar_plan(
        by=users["national"],
        title="第一、三批联合交流研讨会",
        batches=[batches[1], batches[3]],
        held_on=datetime.date(2021, 3, 1),
    )
    assert list(Seminar.objects.all()) == [own]
    entry = AuditEntry.objects.get(action="seminar.planned")
    assert entry.changes["proposals_answered"][1] == ["2018-09-14", "2021-01-23"]
    with pytest.raises(PromotionError):  # a double click
        seminar_plan(
            by=users["national"],
            title="第一、三批联合交流研讨会",
            batches=[batches[1], batches[3]],
            held_on=datetime.date(2021, 3, 1),
        )
    assert _due(datetime.date(2021, 2, 1))[3].open_seminar == own


def test_holding_one_seminar_withdraws_a_proposal_left_open(batches, users):
    national = users["national"]
    seminars_propose(today=BATCH3_DUE)
    other = Seminar.objects.create(title="临时研讨会", state=Seminar.State.PLANNED)
    other.batches.set([batches[3]])
    seminar_record_held(
        by=national,
        seminar=other,
        held_on=datetime.date(2021, 2, 1),
        regions=[Division.objects.get(code="510000")],
        agenda="议程",
        practices="",
        solutions="",
    )
    assert _open_for(batches[3]) == []
    due = _due(datetime.date(2021, 3, 1))[3]
    assert (due.basis, due.due_on) == (HELD, datetime.date(2022, 2, 1))
