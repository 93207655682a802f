"""History rows read as words, not as the code's names (issue #12, “audit rows show raw field
names … and False → True”): the field's verbose name, 是/否, choice labels and object names."""

import pytest
from django.urls import reverse
from django.utils import translation

from audit.models import AuditEntry
from audit.presentation import change_rows, readable
from audit.selectors import entries_for
from audit.services import record
from merging import services as merging
from proposals.models import Proposal, ReformField
from proposals.services.proposals import proposal_update
from tests.conftest import client_for, make_proposal


def _latest(obj, action: str) -> AuditEntry:
    return entries_for(obj).filter(action=action).latest("pk")


def test_boolean_and_choice_changes_read_as_words(cycle, users):
    proposal = make_proposal(cycle, users["sichuan"])
    proposal_update(
        proposal=proposal,
        by=users["sichuan"],
        data={"needs_national_authority": True, "ministries": "科技部"},
    )
    entry = _latest(proposal, "proposal.updated")
    with translation.override("en"):
        rows = {label: (before, after) for label, before, after in change_rows(entry)}
    assert rows["needs national authority"] == ("no", "yes")
    assert rows["ministries concerned"] == ("—", "科技部")
    with translation.override("zh-hans"):
        rows = {label: (before, after) for label, before, after in change_rows(entry)}
    assert rows["是否涉及国家事权"] == ("否", "是")


def test_history_on_the_page_shows_no_raw_names(cycle, users):
    proposal = make_proposal(cycle, users["sichuan"])
    proposal_update(
        proposal=proposal,
        by=users["sichuan"],
        data={"needs_national_authority": True, "ministries": "科技部"},
    )
    page = client_for(users["sichuan"]).get(
        reverse("proposals:proposal_detail", args=[proposal.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    html = page.content.decode()
    assert "needs national authority</strong>: no → yes" in html
    assert "needs_national_authority" not in html
    assert "False" not in html and "True" not in html


def test_counts_of_rows_under_an_object_are_named(cycle, users):
    """`sources` on a candidate measure and `suggested_groups` on a cycle are reverse
    relations: no field has a verbose name; the rows' own name says what was counted."""
    proposal = make_proposal(cycle, users["sichuan"], state="submitted")
    [candidate] = merging.proposals_promote(cycle=cycle, proposals=[proposal], by=users["national"])
    merging.suggestions_run(cycle=cycle, by=users["national"])
    with translation.override("en"):
        labels = [label for label, _b, _a in change_rows(_latest(candidate, "merge.promoted"))]
        cycle_labels = [label for label, _b, _a in change_rows(_latest(cycle, "merge.suggested"))]
    assert "number of sources" in labels
    assert "sources" not in labels
    assert cycle_labels == ["suggested groups"]


def test_booleans_recorded_as_text_read_as_words(cycle, users):
    proposal = make_proposal(cycle, users["sichuan"])
    record(
        "proposal.updated",
        obj=proposal,
        by=users["sichuan"],
        changes={"needs_national_authority": ["False", "True"]},
    )
    with translation.override("en"):
        [(label, before, after)] = change_rows(_latest(proposal, "proposal.updated"))
    assert (label, before, after) == ("needs national authority", "no", "yes")


def test_foreign_keys_recorded_as_ids_read_as_names(cycle, users):
    proposal = make_proposal(cycle, users["sichuan"])
    old, new = ReformField.objects.order_by("pk")[:2]
    record(
        "proposal.updated",
        obj=proposal,
        by=users["sichuan"],
        changes={"field_id": [old.pk, new.pk]},
    )
    with translation.override("en"):
        [(label, before, after)] = change_rows(_latest(proposal, "proposal.updated"))
    assert (label, before, after) == ("reform field", old.name, new.name)


def test_state_choice_reads_as_its_label(cycle, users):
    proposal = make_proposal(cycle, users["sichuan"])
    record(
        "proposal.submitted",
        obj=proposal,
        by=users["sichuan"],
        changes={"state": [Proposal.State.DRAFT, Proposal.State.SUBMITTED]},
    )
    with translation.override("en"):
        [(label, before, after)] = change_rows(_latest(proposal, "proposal.submitted"))
    assert (label, str(before), str(after)) == ("state", "draft", "submitted")


def _entries_with_ids(proposal, users, n: int) -> list[AuditEntry]:
    fields = list(ReformField.objects.order_by("pk"))
    for i in range(n):
        record(
            "proposal.updated",
            obj=proposal,
            by=users["sichuan"],
            changes={"field_id": [fields[i % len(fields)].pk, fields[(i + 1) % len(fields)].pk]},
        )
    return list(entries_for(proposal))


def test_names_of_a_page_of_entries_in_bounded_queries(cycle, users, django_assert_num_queries):
    proposal = make_proposal(cycle, users["sichuan"])
    few = _entries_with_ids(proposal, users, 2)
    with django_assert_num_queries(1):
        readable(few)
    many = _entries_with_ids(proposal, users, 12)
    with django_assert_num_queries(1):
        shown = readable(many)
    assert all(entry.rows for entry in shown if entry.action == "proposal.updated")  # type: ignore[attr-defined]


def test_plan_states_are_states_not_the_actions_that_lead_to_them():
    """“plan submitted” is both an action (提交实施方案, in the history's action column) and a
    state; the state's label has its own context (“plan state”) so that it can read 已提交."""
    from audit.presentation import action_label
    from tasks.models import Task

    states = Task.PlanState
    for state, action in [
        (states.SUBMITTED, "task.plan_submitted"),
        (states.RETURNED, "task.plan_returned"),
        (states.APPROVED, "task.plan_approved"),
    ]:
        label = states(state).label
        assert getattr(label, "_args", (None,))[0] == "plan state"  # pgettext's context
        with translation.override("zh-hans"):
            assert str(label) != action_label(action)
            assert not str(label).startswith(("提交", "退回"))


@pytest.mark.django_db
def test_a_field_left_empty_on_creation_is_not_listed(users):
    """A draft created with its title only records every field; "— → —" rows say nothing."""
    entry = record(
        "proposal.created",
        obj=users["sichuan"],
        by=users["sichuan"],
        changes={"first_name": [None, "张三"], "email": [None, ""], "last_name": ["", None]},
    )
    rows = change_rows(entry)
    assert [after for _label, _before, after in rows] == ["张三"]
