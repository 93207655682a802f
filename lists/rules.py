"""Who may do what with the annual list (《年度全面改革创新举措清单》)."""

from typing import Any

from django.db.models import Q

from accounts.actors import Actor
from accounts.roles import is_national
from accounts.visibility import EVERYONE, NATIONAL, Grant, Visibility
from lists.models import AnnualList, Consultation, ListItem, ListVersion

PUBLISHED = Q(state=ListVersion.State.PUBLISHED)

# Annual lists -------------------------------------------------------------------------------
# The annual list (年度全面改革创新举措清单) is drafted, sent to the departments concerned for
# opinions (征求有关部门意见) and published (公布) by the national coordinator alone, for the two
# ministries that issue it (发改高技〔2021〕484号 §三（二）（三）). A published version is
# public: anyone, logged in or not, reads it, downloads it and compares it with the other
# published versions. Drafts, versions out for opinions and the consultations stay with the
# coordinator. A published version never changes; a revision is a new version, drafted from
# the latest published one, and only one version of a list is open at a time.


# A published version is everybody's; the rest, consultations included, the coordinator's.
VERSIONS = Visibility(ListVersion, Grant(NATIONAL), Grant(EVERYONE, when=PUBLISHED))
ITEMS = VERSIONS.via(ListItem, "version")
ANNUAL_LISTS = Visibility(
    AnnualList,
    Grant(NATIONAL),
    Grant(EVERYONE, when=Q(versions__state=ListVersion.State.PUBLISHED)),
)
CONSULTATIONS = Visibility(Consultation, Grant(NATIONAL))


def can_manage_lists(user: Actor) -> bool:
    return is_national(user)


def can_view_list_version(user: Actor, version: ListVersion) -> bool:
    return VERSIONS.allows(user, version)


def can_edit_list_version(user: Actor, version: Any) -> bool:
    """Choose, order and edit the measures and the details of a version not yet published."""
    return can_manage_lists(user) and version.state != version.State.PUBLISHED


def can_send_list_for_opinions(user: Actor, version: Any) -> bool:
    return can_manage_lists(user) and version.state == version.State.DRAFT


def can_record_consultation(user: Actor, version: Any) -> bool:
    return can_manage_lists(user) and version.state == version.State.CONSULTING


def can_publish_list_version(user: Actor, version: Any) -> bool:
    # Out for opinions first; the service then asks for a consultation recorded, or the reason
    # for publishing without one (484号 §三（二）).
    return can_manage_lists(user) and version.state == version.State.CONSULTING


def can_discard_list_version(user: Actor, version: Any) -> bool:
    # Once out for opinions, a version and its consultations are part of the record.
    return can_manage_lists(user) and version.state == version.State.DRAFT


def can_revise_list(user: Actor, latest: Any) -> bool:
    """Start a revision: `latest` is the list's newest version, which must be published."""
    return can_manage_lists(user) and latest.state == latest.State.PUBLISHED


# State-free rights --------------------------------------------------------------------------
# The part a user plays in an action, whatever state the object is in now. A POST is checked
# with it; the service checks it, locks the version and then the state, with a message the user
# can act on: a double click or a colleague who acted first is a change of state, not a missing
# right. `can_manage_lists` is the state-free part of every right above on a version
# (`can_edit_list_version`, `can_send_list_for_opinions`, `can_record_consultation`,
# `can_publish_list_version`, `can_discard_list_version`) and of `can_revise_list`.
