"""From draft to published: asking the departments concerned for opinions (征求意见),
publishing (公布), revising a published list as a new version, and discarding a draft.

发改高技〔2021〕484号 §三（二）: the two ministries "将含金量高的改革举措列入《全面改革创新
举措清单》，征求有关部门意见并修改完善", and only then, §三（三）, "及时公布《年度全面改革
创新举措清单》".
Hence the two rules of this module: a department that issues the list is not one of the
有关部门 asked about it, and a version is published after at least one consultation, or with
the reason it was published without one, kept on the version and in its history."""

import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.visibility import PROVINCE
from audit.services import diff, record, snapshot
from kernel.errors import Forbidden
from lists import authorities, rules
from lists.errors import ListError
from lists.models import AnnualList, Consultation, DocumentNumber, ListItem, ListVersion
from lists.services import numbers
from lists.services.drafting import (
    check_consulted_are_not_issuers,
    check_not_an_issuer,
    created_changes,
    issuers_of,
    lock_open_version,
)
from notifications.services import notify

State = ListVersion.State
CONSULTATION_FIELDS = ["ministry", "asked_at", "answer", "answered_at", "change_made"]
PUBLISH_FIELDS = [
    "state",
    "issuing_authority",
    "doc_number",
    "issued_on",
    "no_consultation_reason",
]


def _lock_consulting(version: ListVersion, by: User, published: str = "") -> ListVersion:
    version = lock_open_version(version, by, published)
    if version.state != State.CONSULTING:
        raise ListError(_("Send the draft for opinions first."))
    return version


@transaction.atomic
def version_send_for_opinions(*, version: ListVersion, by: User) -> ListVersion:
    version = lock_open_version(
        version, by, published=_("This version of the list has already been published.")
    )
    if version.state != State.DRAFT:
        raise ListError(_("This version is already out for opinions."))
    if not version.items.exists():
        raise ListError(_("Put at least one measure on the list first."))
    version.state = State.CONSULTING
    version.save(update_fields=["state"])
    record(
        "list.sent_for_opinions",
        obj=version,
        by=by,
        changes={"state": [State.DRAFT, State.CONSULTING]},
    )
    return version


def _check_consultation(consultation: Consultation) -> None:
    if not consultation.ministry.strip():
        raise ListError(_("Name the department that was asked."))
    check_not_an_issuer(consultation.ministry, issuers_of(consultation.version))
    answered = bool(consultation.answer.strip())
    if answered != (consultation.answered_at is not None):
        raise ListError(_("Give both the answer and the date it came, or neither."))
    if consultation.answered_at and consultation.answered_at < consultation.asked_at:
        raise ListError(_("An answer cannot come before the question was asked."))
    if consultation.change_made.strip() and not answered:
        raise ListError(_("Record the answer that led to the change."))


@transaction.atomic
def consultation_record(
    *,
    version: ListVersion,
    by: User,
    ministry: str,
    asked_at: datetime.date,
    answer: str = "",
    answered_at: datetime.date | None = None,
    change_made: str = "",
) -> Consultation:
    """Who was asked and when; the answer and what it changed may come now or later."""
    version = _lock_consulting(version, by)
    consultation = Consultation(
        version=version,
        ministry=ministry.strip(),
        asked_at=asked_at,
        answer=answer.strip(),
        answered_at=answered_at,
        change_made=change_made.strip(),
        recorded_by=by,
    )
    _check_consultation(consultation)
    consultation.save()
    record(
        "list.consultation_recorded",
        obj=consultation,
        by=by,
        changes=created_changes(consultation, CONSULTATION_FIELDS),
    )
    return consultation


@transaction.atomic
def consultation_update(
    *, consultation: Consultation, by: User, data: dict[str, Any]
) -> Consultation:
    _lock_consulting(consultation.version, by)
    consultation = Consultation.objects.get(pk=consultation.pk)
    before = snapshot(consultation, CONSULTATION_FIELDS)
    for name in CONSULTATION_FIELDS:
        if name in data:
            value = data[name]
            setattr(consultation, name, value.strip() if isinstance(value, str) else value)
    _check_consultation(consultation)
    consultation.save()
    changes = diff(before, snapshot(consultation, CONSULTATION_FIELDS))
    if changes:
        record("list.consultation_updated", obj=consultation, by=by, changes=changes)
    return consultation


@transaction.atomic
def version_publish(
    *,
    version: ListVersion,
    by: User,
    issuing_authority: str,
    doc_number: str,
    issued_on: datetime.date,
    no_consultation_reason: str = "",
) -> ListVersion:
    """Publish (公布): from now on the version is public and never changes.

    484号 §三（二）（三）: published after the departments concerned were consulted; without a
    consultation only with `no_consultation_reason`, kept on the version and in the trail.
    The document number is taken in `DocumentNumber`, so no notice or other list has it."""
    version = _lock_consulting(
        version, by, published=_("This version of the list has already been published.")
    )
    if not version.items.exists():
        raise ListError(_("Put at least one measure on the list first."))
    issuing_authority = authorities.joined(issuing_authority)
    if not issuing_authority:
        raise ListError(_("Name the issuing authority (发文机关)."))
    if not doc_number.strip():
        raise ListError(_("Give the document number (发文字号)."))
    if issued_on is None:
        raise ListError(_("Give the date of issue (成文日期)."))
    if version.number > 1 and not version.change_note.strip():
        raise ListError(_("Say what this revision changes."))
    reason = no_consultation_reason.strip()
    consulted = version.consultations.exists()
    if not consulted and not reason:
        raise ListError(
            _(
                "No department concerned (有关部门) was consulted on this version. Record a "
                "consultation first, or give the reason for publishing without one."
            )
        )
    if consulted and reason:
        raise ListError(
            _(
                "Departments concerned were consulted on this version: publish it without a "
                "reason for not consulting them."
            )
        )
    check_consulted_are_not_issuers(version, issuing_authority)
    number = numbers.take(
        doc_number, use=DocumentNumber.Use.LIST, object_id=version.pk, holder=str(version)
    )
    before = snapshot(version, PUBLISH_FIELDS)
    version.issuing_authority = issuing_authority
    version.doc_number = number.text
    version.issued_on = issued_on
    version.no_consultation_reason = reason
    version.state = State.PUBLISHED
    version.published_at, version.published_by = timezone.now(), by
    version.save()
    record(
        "list.published",
        obj=version,
        by=by,
        changes=diff(before, snapshot(version, PUBLISH_FIELDS)),
    )
    # The provinces the cycle's call went to claim from the list (484号 §三（三）).
    cycle = version.annual_list.cycle
    notify(
        users=PROVINCE.members().filter(division__in=cycle.participants.all()),
        subject=_("List published: %(title)s (%(number)s)")
        % {"title": version.annual_list, "number": version.doc_number},
        url=reverse("lists:version_page", args=[version.pk]),
        email=True,
    )
    return version


@transaction.atomic
def list_revise(*, annual_list: AnnualList, by: User, change_note: str) -> ListVersion:
    """A new version, drafted from the latest published one, which stays as it is."""
    if not rules.can_manage_lists(by):
        raise Forbidden
    annual_list = AnnualList.objects.select_for_update().get(pk=annual_list.pk)
    latest = annual_list.versions.order_by("-number").first()
    if latest is None or latest.state != State.PUBLISHED:
        raise ListError(
            _("Version %(number)s is still open: publish or discard it before revising.")
            % {"number": latest.number if latest else 1}
        )
    if not change_note.strip():
        raise ListError(_("Say what this revision changes."))
    version = ListVersion.objects.create(
        annual_list=annual_list,
        number=latest.number + 1,
        issuing_authority=latest.issuing_authority,
        preamble=latest.preamble,
        change_note=change_note.strip(),
    )
    ListItem.objects.bulk_create(
        ListItem(
            version=version,
            position=item.position,
            candidate_id=item.candidate_id,
            title=item.title,
            content=item.content,
            field_id=item.field_id,
            ministries=item.ministries,
        )
        for item in latest.items.all()
    )
    record(
        "list.revised",
        obj=version,
        by=by,
        # "version" from the number it was drafted from to its own
        changes={
            "number": [latest.number, version.number],
            "change_note": [None, version.change_note],
        },
    )
    return version


@transaction.atomic
def version_discard(*, version: ListVersion, by: User) -> AnnualList | None:
    """Throw a draft away; the list goes too when it was its only version. Returns the list
    if it remains."""
    version = lock_open_version(version, by)
    if version.state != State.DRAFT:
        raise ListError(_("Only a draft that was not sent for opinions can be discarded."))
    annual_list = version.annual_list
    record(
        "list.version_discarded",
        obj=annual_list,
        by=by,
        note=f"v{version.number} {version.change_note}".strip(),
    )
    version.delete()
    if not annual_list.versions.exists():
        annual_list.delete()
        return None
    return annual_list
