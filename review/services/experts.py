"""The expert pool (专家库): profiles the national coordinator creates and edits."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role, User
from audit.services import diff, record, snapshot
from kernel.errors import Forbidden
from review import rules
from review.errors import ReviewError
from review.models import ExpertProfile

PROFILE_FIELDS = ["tags", "division", "organisation", "available", "max_load"]


def _trail(profile: ExpertProfile) -> dict[str, Any]:
    values = snapshot(profile, PROFILE_FIELDS)
    values["fields"] = "、".join(f.name for f in profile.fields.all())
    return values


def _apply(profile: ExpertProfile, data: dict[str, Any]) -> None:
    for name in PROFILE_FIELDS:
        if name in data:
            setattr(profile, name, data[name])
    if profile.max_load < 1:
        raise ReviewError(
            _("The load cap must be at least 1; mark the expert unavailable to pause them.")
        )


@transaction.atomic
def expert_profile_create(*, by: User, user: User, data: dict[str, Any]) -> ExpertProfile:
    if not rules.can_manage_expert_pool(by):
        raise Forbidden
    if user.role != Role.EXPERT:
        raise ReviewError(_("Only a user with the expert role can join the expert pool."))
    if ExpertProfile.objects.filter(user=user).exists():
        raise ReviewError(_("%(name)s is already in the expert pool.") % {"name": user})
    profile = ExpertProfile(user=user)
    _apply(profile, data)
    profile.save()
    profile.fields.set(data.get("fields", []))
    record("expert.created", obj=profile, by=by, changes=diff({}, _trail(profile)))
    return profile


@transaction.atomic
def expert_profile_update(
    *, profile: ExpertProfile, by: User, data: dict[str, Any]
) -> ExpertProfile:
    if not rules.can_manage_expert_pool(by):
        raise Forbidden
    before = _trail(profile)
    _apply(profile, data)
    profile.save()
    if "fields" in data:
        profile.fields.set(data["fields"])
    changes = diff(before, _trail(profile))
    if changes:
        record("expert.updated", obj=profile, by=by, changes=changes)
    return profile
