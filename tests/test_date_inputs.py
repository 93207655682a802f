"""Saved dates come back on the edit forms, in Chinese and in English.

Every date field is an <input type="date"> (kernel.forms.DateInput). The browser's picker
reads and writes ISO dates (2027-04-30) whatever the language; a value in the Chinese
locale's format (2027/04/30) shows as an empty picker, the user has to retype the date, and
a form saved without looking clears or refuses it.

So for each page that edits a saved date: open it (GET, as the user who may edit it) in each
language, the input holds the saved date in ISO; post the form back as the browser would,
unchanged, and the saved date is still the same. The pages that only take a new date are
checked the same way from the other side: the ISO date the picker sends is saved as typed.
"""

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.conf import settings
from django.utils import formats, timezone, translation

from claims import services as claims
from claims.models import Programme, TaskNotice
from lists.models import Consultation
from lists.services import publishing
from proposals.models import Cycle, DeadlineExtension
from tasks.models import Inspection, Milestone, MilestoneUpdate, Target, Task
from tasks.services import plans, reports
from tasks.services.reports import MilestoneFigure
from tests.conftest import client_for, division
from tests.test_claims_fixtures import claimant, make_programme
from tests.test_lists_fixtures import consult, draft_list, make_candidate
from tests.test_tasks_fixtures import task_world

LANGUAGES = ["zh-hans", "en"]
HTML_LANG = {"zh-hans": 'lang="zh-CN"', "en": 'lang="en"'}
TODAY = timezone.localdate()
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Forms(HTMLParser):
    """The forms of a page as a browser would post them: each form's action and the values
    of its inputs (checked boxes only; a date input's value only if it is an ISO date),
    selected options and textareas; no buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.select: str | None = None
        self.textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.forms[-1]["values"].setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "values": {}, "inputs": {}})
        elif tag == "option" and self.select and "selected" in a:
            self._add(self.select, a["value"])
        elif not self.forms or "name" not in a:
            return
        elif tag == "input" and a.get("type") not in ("submit", "button", "file"):
            self.forms[-1]["inputs"][a["name"]] = a
            value = a.get("value", "on" if a.get("type") in ("checkbox", "radio") else "")
            if a.get("type") == "date" and not ISO_DATE.fullmatch(value):
                value = ""  # the browser drops a value its picker cannot read
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self._add(a["name"], value)
        elif tag == "select":
            self.select = a["name"]
            self.forms[-1]["values"].setdefault(self.select, [])
        elif tag == "textarea":
            self.textarea = a["name"]
            self._add(self.textarea, "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea and self.forms:
            values = self.forms[-1]["values"][self.textarea]
            values[-1] += data.removeprefix("\n") if not values[-1] else data


def form_with(html: str, field: str) -> dict[str, Any]:
    parser = Forms()
    parser.feed(html)
    (form,) = [f for f in parser.forms if field in f["inputs"]]
    return form


def in_language(user: Any, language: str) -> Any:
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


# How to build each object; each returns the page's address and how to read its saved dates
# (input name -> date as stored now).

Saved = Callable[[], dict[str, datetime.date | None]]


def cycle_deadline(users: dict, cycle: Cycle) -> tuple[str, Saved]:
    def saved() -> dict:
        return {"deadline": Cycle.objects.get(pk=cycle.pk).deadline}

    return f"/cycles/{cycle.pk}/edit/", saved


def _programme_dates(programme: Programme) -> Saved:
    def saved() -> dict:
        p = Programme.objects.get(pk=programme.pk)
        return {"opens_at": p.opens_at, "closes_at": p.closes_at}

    return saved


def draft_programme(users: dict, cycle: Cycle) -> Programme:
    programme = make_programme(users, open_=False)
    Programme.objects.filter(pk=programme.pk).update(
        opens_at=TODAY + datetime.timedelta(days=3), closes_at=TODAY + datetime.timedelta(days=40)
    )
    return programme


def programme_terms(users: dict, cycle: Cycle) -> tuple[str, Saved]:
    programme = draft_programme(users, cycle)
    return f"/claims/{programme.pk}/edit/", _programme_dates(programme)


def programme_window(users: dict, cycle: Cycle) -> tuple[str, Saved]:
    programme = draft_programme(users, cycle)
    return f"/claims/{programme.pk}/open/", _programme_dates(programme)


def programme_closing(users: dict, cycle: Cycle) -> tuple[str, Saved]:
    programme = make_programme(users)  # open until today + 10

    def saved() -> dict:
        return {"closes_at": Programme.objects.get(pk=programme.pk).closes_at}

    return f"/claims/{programme.pk}/closing/", saved


def task_notice(users: dict, cycle: Cycle) -> tuple[str, Saved]:
    programme = make_programme(users)
    mine = claimant(programme, users["sichuan"])
    for item in programme.items.order_by("position")[:3]:
        claims.item_claim(item=item, claimant=mine, by=users["sichuan"])
    claims.programme_close(programme=programme, by=users["national"], reason="其余地方未揭榜")
    claims.notices_issue(
        programme=Programme.objects.get(pk=programme.pk),
        by=users["national"],
        issuing_authority="国家发展改革委",
        doc_code="发改高技",
        issued_on=datetime.date(2027, 4, 30),
    )
    notice = TaskNotice.objects.get(programme=programme)

    def saved() -> dict:
        return {"issued_on": TaskNotice.objects.get(pk=notice.pk).issued_on}

    return f"/claims/notices/{notice.pk}/correct/", saved


def list_consultation(users: dict, cycle: Cycle) -> tuple[str, Saved]:
    national = users["national"]
    version = consult(
        draft_list(cycle, national, [make_candidate(cycle, national, "赋权")]), national
    )
    consultation = version.consultations.get()  # asked on 2099-05-06
    Consultation.objects.filter(pk=consultation.pk).update(
        answer="原则同意", answered_at=datetime.date(2099, 5, 20)
    )

    def saved() -> dict:
        c = Consultation.objects.get(pk=consultation.pk)
        return {"asked_at": c.asked_at, "answered_at": c.answered_at}

    return f"/lists/manage/consultations/{consultation.pk}/edit/", saved


def task_plan(users: dict, cycle: Cycle) -> tuple[str, Saved]:
    task = task_world(users, approved=False).task
    plans.plan_save(
        task=task,
        by=users["implementer"],
        timetable="2027年内完成",
        roadmap="先试点后推广",
        milestones=[
            plans.MilestoneRow("制定实施方案", datetime.date(2027, 3, 1), "实施方案"),
            plans.MilestoneRow("完成首批试点", datetime.date(2027, 9, 30), "试点报告"),
        ],
        targets=[
            plans.TargetRow(
                "培育技术经理人", "名", Decimal(0), Decimal(200), datetime.date(2027, 11, 30)
            )
        ],
    )

    def saved() -> dict:
        m1, m2 = Milestone.objects.filter(task=task).order_by("position")
        (t1,) = Target.objects.filter(task=task)
        return {
            "milestones-0-due_on": m1.due_on,
            "milestones-1-due_on": m2.due_on,
            "targets-0-due_on": t1.due_on,
        }

    return f"/tasks/{task.pk}/plan/", saved


def progress_report(users: dict, cycle: Cycle) -> tuple[str, Saved]:
    task = task_world(users).task
    approved = datetime.datetime(2026, 1, 15, 10, tzinfo=datetime.UTC)
    Task.objects.filter(pk=task.pk).update(plan_approved_at=approved)
    task = Task.objects.get(pk=task.pk)
    report = reports.report_start(
        task=task, by=users["implementer"], period=(2026, 1), today=datetime.date(2026, 11, 22)
    )
    m1, m2 = report.milestones.order_by("milestone__position")
    reports.report_save(
        report=report,
        by=users["implementer"],
        milestones=[
            MilestoneFigure(m1.milestone_id, "done", datetime.date(2026, 3, 1)),
            MilestoneFigure(m2.milestone_id, "not_started", None),
        ],
        targets={report.targets.get().target_id: None},
        done="出台实施方案",
        problems="",
        help_needed="",
        today=datetime.date(2026, 11, 22),
    )
    name = f"m{m1.milestone_id}_done_on"

    def saved() -> dict:
        return {name: MilestoneUpdate.objects.get(pk=m1.pk).done_on}

    return f"/tasks/reports/{report.pk}/edit/", saved


SAVED, NOTHING_TO_CHANGE = "saved", "refused: nothing to change"

EDIT_PAGES = [
    # (page, who edits it, how to build it, posted unchanged it is..., fields asked anew)
    ("cycle edit: deadline", "national", cycle_deadline, SAVED, {}),
    ("programme edit: opens_at, closes_at", "national", programme_terms, SAVED, {}),
    ("programme open: opens_at, closes_at", "national", programme_window, SAVED, {}),
    ("programme closing date", "national", programme_closing, NOTHING_TO_CHANGE, {}),
    (
        "task notice correction: issued_on",
        "national",
        task_notice,
        NOTHING_TO_CHANGE,
        {"reason": "核对"},
    ),
    ("list consultation: asked_at, answered_at", "national", list_consultation, SAVED, {}),
    ("task plan: milestones' and target's due_on", "implementer", task_plan, SAVED, {}),
    ("progress report: milestone done_on", "implementer", progress_report, SAVED, {}),
]


def test_the_chinese_locale_would_write_a_date_the_picker_cannot_read():
    """Why the tests below matter: zh-hans formats a date input as 2027/04/30."""
    day = datetime.date(2027, 4, 30)
    with translation.override("zh-hans"):
        assert formats.localize_input(day, formats.get_format("DATE_INPUT_FORMATS")[0]) == (
            "2027/04/30"
        )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("page", "who", "build", "outcome", "extra"), EDIT_PAGES, ids=[row[0] for row in EDIT_PAGES]
)
def test_a_saved_date_comes_back_in_iso_and_survives_an_unchanged_post(
    users, cycle, language, page, who, build, outcome, extra
):
    url, saved = build(users, cycle)
    before = saved()
    assert all(before.values()), f"{page}: the object should have its dates saved: {before}"
    client = in_language(users[who], language)

    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert HTML_LANG[language] in html
    form = form_with(html, next(iter(before)))
    for name, day in before.items():
        attrs = form["inputs"][name]
        assert attrs["type"] == "date", (page, name)
        assert attrs["value"] == day.isoformat(), (page, name, attrs["value"])

    posted = client.post(form["action"] or url, {**form["values"], **extra})
    assert saved() == before, page
    if outcome == SAVED:
        assert posted.status_code == 302, (page, posted.context and posted.context["form"].errors)
    else:  # the service's refusal, not a date the form could not read
        bound = posted.context["form"]
        assert list(bound.errors) == ["__all__"], (page, bound.errors)


# Pages that take a new date: the ISO date the picker sends is saved as typed ----------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_deadline_extension_is_granted_until_the_day_typed(users, cycle, language):
    client = in_language(users["national"], language)
    form = form_with(client.get(f"/cycles/{cycle.pk}/").content.decode(), "until")
    assert form["inputs"]["until"]["type"] == "date"
    values = {**form["values"], "locality": division("510000").pk, "until": "2099-05-31"}
    response = client.post(form["action"], {**values, "reason": "汛期延误"})
    assert response.status_code == 302
    assert DeadlineExtension.objects.get(cycle=cycle).until == datetime.date(2099, 5, 31)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_inspection_shows_today_and_keeps_its_rectify_by_date(users, language):
    task = task_world(users).task
    client = in_language(users["national"], language)
    html = client.get(f"/tasks/{task.pk}/inspections/new/").content.decode()
    assert HTML_LANG[language] in html
    form = form_with(html, "rectify_by")
    assert form["inputs"]["inspected_on"]["value"] == timezone.localdate().isoformat()
    assert form["inputs"]["rectify_by"]["type"] == "date"
    due = TODAY + datetime.timedelta(days=60)
    values = {
        **form["values"],
        "kind": "visit",
        "findings": "台账不全",
        "rectification": "补齐台账",
        "rectify_by": due.isoformat(),
    }
    response = client.post(form["action"] or f"/tasks/{task.pk}/inspections/new/", values)
    assert response.status_code == 302, response.context and response.context["form"].errors
    inspection = Inspection.objects.get(task=task)
    shown = datetime.date.fromisoformat(form["inputs"]["inspected_on"]["value"])
    assert (inspection.inspected_on, inspection.rectify_by) == (shown, due)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_list_is_published_with_the_issue_date_typed(users, cycle, language):
    national = users["national"]
    version = consult(
        draft_list(cycle, national, [make_candidate(cycle, national, "赋权")]), national
    )
    publishing.consultation_update(
        consultation=version.consultations.get(),
        by=national,
        data={"answer": "原则同意", "answered_at": datetime.date(2099, 5, 20)},
    )
    client = in_language(national, language)
    url = f"/lists/manage/versions/{version.pk}/publish/"
    form = form_with(client.get(url).content.decode(), "issued_on")
    values = {
        **form["values"],
        "issuing_authority": "国家发展改革委",
        "doc_number": "发改高技〔2099〕12号",
        "issued_on": "2099-06-01",
    }
    response = client.post(form["action"] or url, values)
    assert response.status_code == 302, response.context and response.context["form"].errors
    version.refresh_from_db()
    assert version.issued_on == datetime.date(2099, 6, 1)
