"""Reminders of reports and milestones: who gets what, in-app and by e-mail, once only, and a
run stopped half way sends only the rest next time; with the mail server down, every reminder
is still recorded and its e-mails go when the server is back. `today` is passed in; the plan
of the world's task was approved on 5 January 2026, its milestones fall due on 2 March and
29 August, and the Q1 report is due on 10 April."""

import datetime

import pytest
from django.utils import timezone, translation

from accounts.models import Role
from audit.models import AuditEntry
from jobs.models import Job
from jobs.services import job_enqueue, job_run
from notifications.models import Notification
from notifications.services import mail_send_due
from regions.models import Organisation
from tasks.models import Implementer, ProgressReport, Reminder, Task
from tasks.services.reminders import reminders_due, reminders_send
from tests.conftest import make_user
from tests.test_notifications import LOCMEM, REFUSING, later
from tests.test_tasks_dispatch import approve_on, at
from tests.test_tasks_fixtures import task_world

BEFORE_M1 = datetime.date(2026, 2, 25)  # the first milestone is due within 7 days
AFTER_Q1 = datetime.date(2026, 4, 12)  # the Q1 report and the first milestone are overdue


@pytest.fixture
def world(users, settings):
    settings.REMINDER_DAYS_AHEAD = 7
    settings.LANGUAGE_CODE = "en"
    for name in ("implementer", "sichuan", "guangdong", "national", "city"):
        users[name].email = f"{name}@jiebang.test"
        users[name].email_choice = "each"  # one e-mail per reminder, not the daily digest
        users[name].save()
    world = task_world(users)
    world.task = approve_on(world.task, datetime.date(2026, 1, 5))
    # Only the reminders' messages from here on, not those of setting the world up.
    Notification.objects.all().delete()
    return world


@pytest.fixture
def send():
    """A reminder run, then the worker's next e-mail run, which sends what it queued."""

    def run(today, **kw):
        count = reminders_send(today, **kw)
        mail_send_due()
        return count

    return run


def keys() -> set[str]:
    return set(Reminder.objects.values_list("key", flat=True))


def sent() -> set[tuple[int, str]]:
    return set(Reminder.objects.values_list("task_id", "key"))


def test_a_milestone_coming_due_reminds_the_implementers_only(
    users, world, send, mailoutbox, settings
):
    settings.SITE_URL = "https://jiebang.example.gov.cn"
    milestone = world.task.milestones.get(position=1)
    with translation.override("zh-hans"):  # whoever runs it, the project's language is used
        assert send(BEFORE_M1) == 1
    assert keys() == {f"milestone-due:{milestone.pk}"}
    note = Notification.objects.get()
    assert note.user == users["implementer"]
    assert note.subject == "Milestone due on 2026-03-02: 制定实施方案"
    assert note.url == f"/tasks/{world.task.pk}/"
    assert "“制定实施方案” of “事项0” is due on 2026-03-02" in note.body
    assert [m.to for m in mailoutbox] == [["implementer@jiebang.test"]]
    assert mailoutbox[0].subject == note.subject
    # The e-mail links to the task by its full address; the app shows the path as a link.
    assert mailoutbox[0].body == f"{note.body}\n\nhttps://jiebang.example.gov.cn{note.url}"
    assert "/tasks/" not in note.body
    assert Reminder.objects.get().recipients == 1
    entry = AuditEntry.objects.get(action="task.reminded")
    assert entry.object_id == str(world.task.pk) and entry.note == note.subject


def test_overdue_items_also_reach_the_locality(users, world, send, mailoutbox):
    milestone = world.task.milestones.get(position=1)
    assert send(AFTER_Q1) == 2
    assert keys() == {"report-overdue:2026:1", f"milestone-overdue:{milestone.pk}"}
    for note in Notification.objects.all():
        assert note.user.username in ("implementer", "sichuan")
    assert Notification.objects.count() == 4
    subjects = set(Notification.objects.values_list("subject", flat=True))
    assert subjects == {"Progress report overdue: 事项0", "Milestone overdue: 制定实施方案"}
    body = Notification.objects.filter(subject__startswith="Progress")[0].body
    assert "for Q1 2026 was due on 2026-04-10 and has not been submitted" in body
    addresses = sorted(address for m in mailoutbox for address in m.to)
    assert addresses == ["implementer@jiebang.test"] * 2 + ["sichuan@jiebang.test"] * 2


def test_nothing_is_sent_twice(users, world, send, mailoutbox):
    assert send(BEFORE_M1) == 1
    assert send(BEFORE_M1) == 0
    assert send(AFTER_Q1) == 2  # the overdue ones are new things to say
    assert send(AFTER_Q1) == 0
    assert Reminder.objects.count() == 3
    assert Notification.objects.count() == 1 + 4
    assert len(mailoutbox) == 1 + 4


def test_a_report_coming_due_is_reminded_and_a_submitted_one_is_not(users, world, send):
    today = datetime.date(2026, 4, 5)
    assert "report-due:2026:1" in {due.key for due in reminders_due(today)}
    ProgressReport.objects.create(
        task=world.task,
        year=2026,
        period=1,
        state="submitted",
        submitted_at=at(today),
        created_by=users["implementer"],
    )
    assert {due.key for due in reminders_due(today)} == {
        f"milestone-overdue:{world.task.milestones.get(position=1).pk}"
    }
    send(today)
    assert not any(key.startswith("report") for key in keys())


def test_done_milestones_and_plans_not_approved_are_left_alone(users, world, send):
    for milestone in world.task.milestones.all():
        milestone.status, milestone.done_on = "done", datetime.date(2026, 2, 1)
        milestone.save()
    Task.objects.filter(pk=world.task.pk).update(plan_state="draft")
    assert send(datetime.date(2026, 12, 1)) == 0
    assert Reminder.objects.count() == 0


def test_only_the_claimants_own_coordinators_and_active_implementers_hear(users, world, send):
    colleague = make_user(
        "colleague", Role.IMPLEMENTER, organisation=users["implementer"].organisation
    )
    colleague.is_active = False
    colleague.save()
    send(AFTER_Q1)
    heard = set(Notification.objects.values_list("user__username", flat=True))
    assert heard == {"implementer", "sichuan"}


def test_with_nobody_to_tell_nothing_is_recorded_until_somebody_is(users, world, send):
    # Guangdong's tasks are implemented by 中山大学, which has no implementer user yet.
    other = approve_on(world.guangdong_tasks[0], datetime.date(2026, 1, 5))
    assert Implementer.objects.filter(task=other).exists()
    today = datetime.date(2026, 4, 5)  # its Q1 report is coming due
    send(today)
    assert not Reminder.objects.filter(task=other).exists()
    sysu = Organisation.objects.get(name="中山大学")
    make_user("sysu", Role.IMPLEMENTER, organisation=sysu)
    send(today)
    assert set(Reminder.objects.filter(task=other).values_list("key", flat=True)) == {
        "report-due:2026:1"
    }
    assert Notification.objects.filter(user__username="sysu").count() == 1


def test_a_run_stopped_half_way_sends_only_the_rest_next_time(users, world, send, mailoutbox):
    for task in world.sichuan_tasks[1:]:
        approve_on(task, datetime.date(2026, 1, 5))
        Implementer.objects.create(task=task, organisation=users["implementer"].organisation)
    assert len(reminders_due(AFTER_Q1)) == 4  # three reports, one milestone

    def stop_after_two(sent: int, total: int) -> None:
        assert total == 4
        if sent == 2:
            raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError):
        send(AFTER_Q1, on_sent=stop_after_two)
    first = sent()
    assert len(first) == 2
    assert Notification.objects.count() == 4  # implementer and locality, twice
    mail_send_due()  # the e-mails of what was recorded go all the same
    assert len(mailoutbox) == 4
    assert send(AFTER_Q1) == 2
    assert len(sent()) == 4 and first < sent()
    assert Notification.objects.count() == 8
    assert len(mailoutbox) == 8
    assert send(AFTER_Q1) == 0


def test_the_mail_server_being_down_loses_no_reminder_and_stops_no_run(
    users, world, settings, mailoutbox
):
    settings.EMAIL_BACKEND = REFUSING
    assert reminders_send(AFTER_Q1) == 2
    assert len(sent()) == 2
    assert Notification.objects.filter(email_due_at__isnull=False).count() == 4
    mail_send_due()  # fails: every e-mail is still waiting, none counts as sent
    assert mailoutbox == []
    assert not Notification.objects.filter(emailed_at__isnull=False).exists()
    assert reminders_send(AFTER_Q1) == 0  # recorded reminders are not sent again
    settings.EMAIL_BACKEND = LOCMEM
    assert mail_send_due(later()).sent == 4
    addresses = sorted(address for m in mailoutbox for address in m.to)
    assert addresses == ["implementer@jiebang.test"] * 2 + ["sichuan@jiebang.test"] * 2


def test_the_reminder_job_sends_and_reports(users, world, settings):
    # The job takes its date from the clock: with the plan approved half a year before it,
    # reports are overdue whatever the date the test runs on.
    approve_on(world.task, timezone.localdate() - datetime.timedelta(days=200))
    settings.JOBS_RUN_INLINE = False
    job = job_enqueue(kind="tasks.reminders", by=None)
    assert job.created_by is None
    assert job.params["language"] == "en"
    job_run(job_id=job.pk)
    job.refresh_from_db()
    sent = Reminder.objects.count()
    assert sent > 0
    assert job.state == Job.State.DONE
    assert (job.progress, job.total) == (sent, sent)
    assert job.message == f"{sent} reminders sent."
    again = job_enqueue(kind="tasks.reminders", by=None)
    job_run(job_id=again.pk)
    again.refresh_from_db()
    assert again.message == "No reminder was due."
    assert Reminder.objects.count() == sent


def test_a_filed_report_closes_the_reminders_that_chased_it(users, world):
    """A stale alert (逾期未报送) closes itself once the report is filed, its e-mail unsent;
    the milestone's reminder, whose cause remains, stays open. (Platform's rule.)"""
    from tasks.services.reports import report_save, report_start, report_submit

    assert reminders_send(AFTER_Q1) == 2  # queued, not mailed yet
    chasing = Notification.objects.filter(subject__startswith="Progress report overdue")
    assert chasing.count() == 2 and all(n.is_reminder for n in chasing)
    assert set(chasing.values_list("about", flat=True)) == {
        f"task:{world.task.pk}:report-overdue:2026:1"
    }
    report = report_start(
        task=world.task, by=users["implementer"], period=(2026, 1), today=AFTER_Q1
    )
    report_save(
        report=report,
        by=users["implementer"],
        milestones=[],
        targets={},
        done="本期无新进展",
        problems="",
        help_needed="",
        today=AFTER_Q1,
    )
    report_submit(report=report, by=users["implementer"])
    for note in chasing.all():  # read again: the first reading is cached
        assert note.closed_at is not None and note.read_at is not None
        assert note.email_due_at is None and note.emailed_at is None
    milestone = Notification.objects.filter(subject__startswith="Milestone overdue")
    assert milestone.count() == 2
    assert all(n.closed_at is None and n.read_at is None for n in milestone)
