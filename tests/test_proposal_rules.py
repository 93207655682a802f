"""The rules of the call for proposals, at the service level.

Range per locality (3–5 by default, counted over submitted and returned proposals), the
deadline and its per-locality extensions, closed cycles, return and resubmission, suggestions
adopted into proposals, the national-authority rule (service and database), and the audit
trail every write leaves behind.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.utils import timezone, translation

from audit.models import AuditEntry
from kernel.errors import Forbidden
from proposals.errors import ProposalError
from proposals.models import Cycle, Proposal, Suggestion
from proposals.selectors import locality_counts
from proposals.services import cycles as cycle_services
from proposals.services.attachments import attachment_add, attachment_remove
from proposals.services.proposals import (
    proposal_create,
    proposal_delete,
    proposal_return,
    proposal_update,
    proposals_submit,
)
from proposals.services.suggestions import suggestion_decline, suggestion_submit
from tests.conftest import division, make_proposal, proposal_data


def drafts(cycle, by, n, prefix="草稿"):
    return [make_proposal(cycle, by, title=f"{prefix}{i}") for i in range(n)]


def states(proposals):
    return [Proposal.objects.get(pk=p.pk).state for p in proposals]


def grant(cycle, until, by, code="510000", reason="汛期延误"):
    return cycle_services.extension_grant(
        cycle=cycle, locality=division(code), until=until, reason=reason, by=by
    )


@pytest.fixture
def past_cycle(users) -> Cycle:
    """An open cycle whose deadline has passed."""
    return Cycle.objects.create(
        year=2020, title="2020年度征集", deadline=datetime.date(2020, 4, 30)
    )


# The per-locality range ----------------------------------------------------------------------


@pytest.mark.parametrize(("n", "numbers"), [(2, ["3", "5", "2"]), (6, ["3", "5", "6"])])
def test_submitting_outside_the_range_is_refused_with_the_numbers(users, cycle, n, numbers):
    batch = drafts(cycle, users["sichuan"], n)
    with pytest.raises(ProposalError) as caught:
        proposals_submit(proposals=batch, by=users["sichuan"])
    for number in numbers:
        assert number in caught.value.message
    assert set(states(batch)) == {"draft"}
    assert not AuditEntry.objects.filter(action="proposal.submitted").exists()


def test_range_message_reads_clearly_in_english(users, cycle):
    batch = drafts(cycle, users["sichuan"], 2)
    with translation.override("en"), pytest.raises(ProposalError) as caught:
        proposals_submit(proposals=batch, by=users["sichuan"])
    assert "3 to 5" in caught.value.message
    assert "would make 2, fewer than 3" in caught.value.message


def test_batches_are_submitted_together_and_count_what_was_submitted_before(users, cycle):
    sichuan, batch = users["sichuan"], drafts(cycle, users["sichuan"], 3)
    done = proposals_submit(proposals=batch, by=sichuan)
    assert states(batch) == ["submitted"] * 3
    assert len({p.submitted_at for p in done}) == 1
    assert AuditEntry.objects.filter(action="proposal.submitted").count() == 3
    proposals_submit(proposals=drafts(cycle, sichuan, 2, "补充"), by=sichuan)
    assert locality_counts(cycle, sichuan.division_id)["counted"] == 5
    extra = drafts(cycle, sichuan, 1, "第六")
    with pytest.raises(ProposalError) as caught:
        proposals_submit(proposals=extra, by=sichuan)
    assert "6" in caught.value.message
    assert states(extra) == ["draft"]


def test_returned_proposals_still_count_and_other_provinces_do_not(users, cycle):
    sichuan = users["sichuan"]
    for i in range(5):
        make_proposal(cycle, sichuan, state="returned" if i == 0 else "submitted", title=f"{i}")
    with pytest.raises(ProposalError):
        proposals_submit(proposals=drafts(cycle, sichuan, 1), by=sichuan)
    guangdong_batch = drafts(cycle, users["guangdong"], 3, "广东")
    proposals_submit(proposals=guangdong_batch, by=users["guangdong"])
    assert states(guangdong_batch) == ["submitted"] * 3


def test_the_cycle_sets_its_own_range(users):
    deadline, n = datetime.date(2098, 4, 30), users["national"]
    cycle = cycle_services.cycle_open(
        by=n, year=2098, title="2098", deadline=deadline, min_per_locality=1, max_per_locality=2
    )
    sichuan = users["sichuan"]
    proposals_submit(proposals=drafts(cycle, sichuan, 1), by=sichuan)
    with pytest.raises(ProposalError) as caught:
        proposals_submit(proposals=drafts(cycle, sichuan, 2, "多"), by=sichuan)
    assert "1" in caught.value.message and "3" in caught.value.message


def test_one_batch_holds_one_cycle(users, cycle, past_cycle):
    sichuan = users["sichuan"]
    mixed = [*drafts(cycle, sichuan, 2), make_proposal(past_cycle, sichuan)]
    with pytest.raises(ProposalError):
        proposals_submit(proposals=mixed, by=sichuan)
    assert set(states(mixed)) == {"draft"}


# Deadline, extension, closed cycle ----------------------------------------------------------


def test_the_deadline_closes_submission(users, past_cycle):
    batch = drafts(past_cycle, users["sichuan"], 3)
    with pytest.raises(ProposalError) as caught:
        proposals_submit(proposals=batch, by=users["sichuan"])
    assert "2020-04-30" in caught.value.message
    assert set(states(batch)) == {"draft"}


def test_an_extension_reopens_submission_for_that_locality_only(users, past_cycle):
    grant(past_cycle, timezone.localdate() + datetime.timedelta(days=30), users["national"])
    sichuan_batch = drafts(past_cycle, users["sichuan"], 3)
    proposals_submit(proposals=sichuan_batch, by=users["sichuan"])
    assert states(sichuan_batch) == ["submitted"] * 3
    guangdong_batch = drafts(past_cycle, users["guangdong"], 3, "广东")
    with pytest.raises(ProposalError):
        proposals_submit(proposals=guangdong_batch, by=users["guangdong"])
    assert set(states(guangdong_batch)) == {"draft"}


def test_an_extension_that_ran_out_does_not_help(users, past_cycle):
    grant(past_cycle, datetime.date(2020, 5, 31), users["national"])
    with pytest.raises(ProposalError) as caught:
        proposals_submit(proposals=drafts(past_cycle, users["sichuan"], 3), by=users["sichuan"])
    assert "2020-05-31" in caught.value.message


@pytest.mark.parametrize(
    ("locality", "until", "reason"),
    [
        ("510100", "2020-06-30", "理由"),
        ("510000", "2020-04-30", "理由"),
        ("510000", "2020-06-30", " "),
    ],
    ids=["not-a-province", "not-after-deadline", "no-reason"],
)
def test_extension_rules(users, past_cycle, locality, until, reason):
    with pytest.raises(ProposalError):
        grant(past_cycle, datetime.date.fromisoformat(until), users["national"], locality, reason)
    with pytest.raises(Forbidden):  # and only the centre grants them
        grant(past_cycle, datetime.date(2099, 1, 1), users["sichuan"])
    assert not past_cycle.extensions.exists()


def test_a_closed_cycle_refuses_drafts_submissions_and_suggestions(users, cycle):
    batch = drafts(cycle, users["sichuan"], 3)
    cycle_services.cycle_update(cycle=cycle, by=users["national"], is_open=False)
    with pytest.raises(ProposalError):
        proposal_create(by=users["sichuan"], cycle=cycle, data=proposal_data())
    with pytest.raises(ProposalError):
        proposals_submit(proposals=batch, by=users["sichuan"])
    with pytest.raises(ProposalError):
        suggestion_submit(by=users["innovator"], cycle=cycle, title="迟到", content="迟到")
    assert Proposal.objects.count() == 3
    assert not Suggestion.objects.exists()


# Return and resubmission ---------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_a_return_needs_a_reason(users, cycle, reason):
    proposal = make_proposal(cycle, users["sichuan"], state="submitted")
    with pytest.raises(ProposalError):
        proposal_return(proposal=proposal, by=users["national"], reason=reason)
    assert states([proposal]) == ["submitted"]
    assert not AuditEntry.objects.filter(action="proposal.returned").exists()
    with pytest.raises(Forbidden):  # a draft was never sent, so cannot come back
        proposal_return(
            proposal=make_proposal(cycle, users["sichuan"]), by=users["national"], reason="退回"
        )


def test_resubmission_after_the_deadline_keeps_the_count(users, cycle):
    sichuan, national = users["sichuan"], users["national"]
    batch = drafts(cycle, sichuan, 5)
    proposals_submit(proposals=batch, by=sichuan)
    proposal_return(proposal=batch[0], by=national, reason="请补充量化指标")
    Cycle.objects.filter(pk=cycle.pk).update(deadline=datetime.date(2020, 4, 30))
    cycle.refresh_from_db()
    returned = Proposal.objects.get(pk=batch[0].pk)
    proposal_update(proposal=returned, by=sichuan, data={"targets": "培育技术经理人300名"})
    assert locality_counts(cycle, sichuan.division_id)["counted"] == 5
    proposals_submit(proposals=[returned], by=sichuan)
    assert states(batch) == ["submitted"] * 5
    assert locality_counts(cycle, sichuan.division_id)["counted"] == 5
    entry = AuditEntry.objects.get(action="proposal.resubmitted")
    assert entry.changes == {"state": ["returned", "submitted"]}
    with pytest.raises(ProposalError):  # while a new draft is past the deadline
        proposals_submit(proposals=drafts(cycle, sichuan, 1, "新"), by=sichuan)


def test_a_submitted_proposal_is_not_submitted_twice(users, cycle):
    proposal = make_proposal(cycle, users["sichuan"], state="submitted")
    with pytest.raises(ProposalError):
        proposals_submit(proposals=[proposal], by=users["sichuan"])
    with pytest.raises(ProposalError):
        proposals_submit(proposals=[], by=users["sichuan"])


# Suggestions become proposals ---------------------------------------------------------------


def test_a_proposal_from_a_suggestion_keeps_the_link_and_adopts_it(users, cycle):
    suggestion = suggestion_submit(
        by=users["innovator"], cycle=cycle, title="职务科技成果赋权", content="赋予科研人员所有权"
    )
    assert suggestion.locality == division("510000")
    proposal = proposal_create(
        by=users["sichuan"], cycle=cycle, data=proposal_data(), sources=[suggestion]
    )
    assert list(proposal.sources.all()) == [suggestion]
    assert list(suggestion.proposals.all()) == [proposal]
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.ADOPTED
    entry = AuditEntry.objects.get(action="suggestion.adopted")
    assert entry.actor == users["sichuan"] and entry.object_id == str(suggestion.pk)


@pytest.mark.parametrize("how", ["delete", "unlink"])
def test_a_suggestion_no_proposal_uses_any_more_is_pending_again(users, cycle, how):
    sichuan = users["sichuan"]
    used = suggestion_submit(by=users["innovator"], cycle=cycle, title="被采纳", content="内容")
    shared = suggestion_submit(by=users["innovator"], cycle=cycle, title="两处采纳", content="内容")
    first = proposal_create(by=sichuan, cycle=cycle, data=proposal_data(), sources=[used, shared])
    proposal_create(by=sichuan, cycle=cycle, data=proposal_data(), sources=[shared])
    if how == "delete":
        proposal_delete(proposal=first, by=sichuan)
    else:
        proposal_update(proposal=first, by=sichuan, data={}, sources=[])
    used.refresh_from_db()
    shared.refresh_from_db()
    assert used.state == Suggestion.State.SUBMITTED
    assert shared.state == Suggestion.State.ADOPTED  # still used by the other proposal
    entry = AuditEntry.objects.get(action="suggestion.released")
    assert entry.object_id == str(used.pk) and entry.actor == sichuan
    assert entry.changes == {"state": ["adopted", "submitted"]}
    suggestion_decline(suggestion=used, by=sichuan, reason="最终未采用")  # pending again


@pytest.mark.parametrize("origin", ["other_province", "other_cycle"])
def test_a_suggestion_from_elsewhere_cannot_be_linked(users, cycle, past_cycle, origin):
    author, its_cycle = (
        (users["other_innovator"], cycle)
        if origin == "other_province"
        else (users["innovator"], past_cycle)
    )
    suggestion = suggestion_submit(by=author, cycle=its_cycle, title="别处的建议", content="内容")
    with pytest.raises(ProposalError):
        proposal_create(
            by=users["sichuan"], cycle=cycle, data=proposal_data(), sources=[suggestion]
        )
    assert not Proposal.objects.exists()
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.SUBMITTED


def test_declining_needs_a_reason_and_only_once(users, cycle):
    suggestion = suggestion_submit(by=users["innovator"], cycle=cycle, title="建议", content="内容")
    with pytest.raises(ProposalError):
        suggestion_decline(suggestion=suggestion, by=users["sichuan"], reason=" ")
    with pytest.raises(Forbidden):
        suggestion_decline(suggestion=suggestion, by=users["guangdong"], reason="不归我管")
    suggestion_decline(suggestion=suggestion, by=users["sichuan"], reason="已有类似举措")
    with pytest.raises(ProposalError):
        suggestion_decline(suggestion=suggestion, by=users["sichuan"], reason="再次")


# National authority names the ministries ---------------------------------------------------


@pytest.mark.parametrize("ministries", ["", "   "])
def test_national_authority_needs_ministries(users, cycle, ministries):
    data = proposal_data(needs_national_authority=True, ministries=ministries)
    with pytest.raises(ProposalError):
        proposal_create(by=users["sichuan"], cycle=cycle, data=data)
    assert not Proposal.objects.exists()
    proposal = make_proposal(cycle, users["sichuan"])
    with pytest.raises(ProposalError):
        proposal_update(proposal=proposal, by=users["sichuan"], data=data)
    assert Proposal.objects.get(pk=proposal.pk).needs_national_authority is False
    data["ministries"] = "科技部、财政部"
    proposal = proposal_update(proposal=proposal, by=users["sichuan"], data=data)
    assert proposal.needs_national_authority and proposal.ministries == "科技部、财政部"


@pytest.mark.parametrize(
    "change",
    [{"needs_national_authority": True}, {"state": "returned", "return_reason": ""}],
    ids=["national-authority-without-ministries", "returned-without-reason"],
)
def test_the_database_enforces_the_rules_too(users, cycle, change):
    proposal = make_proposal(cycle, users["sichuan"], state="submitted")
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.filter(pk=proposal.pk).update(**change)
    assert Proposal.objects.get(pk=proposal.pk).state == "submitted"


# The audit trail ------------------------------------------------------------------------------

# action -> (who acts, one change the entry must show as [before, after])
AUDITED = {
    "cycle.opened": ("national", "year", [None, 2100]),
    "cycle.updated": ("national", "title", ["2099年度征集", "新标题"]),
    "cycle.extension_granted": ("national", "extension", [None, "四川省 → 2099-06-30"]),
    "suggestion.submitted": ("innovator", "title", [None, "建议标题"]),
    "suggestion.declined": ("sichuan", "state", ["submitted", "declined"]),
    "suggestion.adopted": ("sichuan", "state", ["submitted", "adopted"]),
    "suggestion.released": ("sichuan", "state", ["adopted", "submitted"]),
    "proposal.created": ("sichuan", "contact_name", [None, "张三"]),
    "proposal.updated": ("sichuan", "contact_name", ["张三", "李四"]),
    "proposal.deleted": ("sichuan", "title", ["将删除", None]),
    "proposal.submitted": ("sichuan", "state", ["draft", "submitted"]),
    "proposal.returned": ("national", "state", ["submitted", "returned"]),
    "proposal.resubmitted": ("sichuan", "state", ["returned", "submitted"]),
    "proposal.attachment_added": ("sichuan", "attachment", [None, "附件.pdf"]),
    "proposal.attachment_removed": ("sichuan", "attachment", ["附件.pdf", None]),
}


def _write(action, users, cycle):
    """Do the write that records `action`; return the object the entry is about."""
    n, s, i = users["national"], users["sichuan"], users["innovator"]

    def submitted():
        batch = drafts(cycle, s, 3, "报送")
        proposals_submit(proposals=batch, by=s)
        return batch[-1]  # recorded last

    def returned():
        return proposal_return(proposal=submitted(), by=n, reason="请补充")

    def suggestion():
        return suggestion_submit(by=i, cycle=cycle, title="建议标题", content="建议内容")

    def adopted_by():
        source = suggestion()
        return source, proposal_create(by=s, cycle=cycle, data=proposal_data(), sources=[source])

    def attachment():
        upload = SimpleUploadedFile("附件.pdf", b"%PDF-1.4\n")
        return attachment_add(proposal=make_proposal(cycle, s), by=s, upload=upload)

    def deleted():
        proposal = make_proposal(cycle, s, title="将删除")
        pk = proposal.pk
        proposal_delete(proposal=proposal, by=s)
        return SimpleNamespace(pk=pk)

    def released():
        source, proposal = adopted_by()
        proposal_update(proposal=proposal, by=s, data={}, sources=[])
        return source

    def resubmitted():
        proposal = returned()
        proposals_submit(proposals=[proposal], by=s)
        return proposal

    def detached():
        attached = attachment()
        attachment_remove(attachment=attached, by=s)
        return attached.proposal

    writes = {
        "cycle.opened": lambda: cycle_services.cycle_open(
            by=n, year=2100, title="2100", deadline=datetime.date(2100, 4, 30)
        ),
        "cycle.updated": lambda: cycle_services.cycle_update(cycle=cycle, by=n, title="新标题"),
        "cycle.extension_granted": lambda: grant(cycle, datetime.date(2099, 6, 30), n).cycle,
        "suggestion.submitted": suggestion,
        "suggestion.declined": lambda: suggestion_decline(
            suggestion=suggestion(), by=s, reason="不采纳"
        ),
        "suggestion.adopted": lambda: adopted_by()[0],
        "suggestion.released": released,
        "proposal.created": lambda: make_proposal(cycle, s),
        "proposal.updated": lambda: proposal_update(
            proposal=make_proposal(cycle, s), by=s, data={"contact_name": "李四"}
        ),
        "proposal.deleted": deleted,
        "proposal.submitted": submitted,
        "proposal.returned": returned,
        "proposal.resubmitted": resubmitted,
        "proposal.attachment_added": lambda: attachment().proposal,
        "proposal.attachment_removed": detached,
    }
    return writes[action]()


@pytest.mark.parametrize("action", AUDITED)
def test_every_write_leaves_an_audit_entry(users, cycle, media_root, action):
    role, field, pair = AUDITED[action]
    obj = _write(action, users, cycle)
    entry = AuditEntry.objects.filter(action=action).latest("id")
    assert entry.actor == users[role]
    assert entry.object_id == str(obj.pk)
    assert entry.changes, "an entry must say what changed"
    assert all(isinstance(v, list) and len(v) == 2 for v in entry.changes.values())
    assert entry.changes[field] == pair


def test_regranting_an_extension_records_the_previous_date(users, cycle):
    grant(cycle, datetime.date(2099, 5, 31), users["national"])
    grant(cycle, datetime.date(2099, 6, 30), users["national"])
    entry = AuditEntry.objects.filter(action="cycle.extension_granted").latest("id")
    assert entry.changes["extension"] == ["四川省 → 2099-05-31", "四川省 → 2099-06-30"]


def test_the_audit_trail_has_no_edit_path_in_admin(users, cycle):
    entry = AuditEntry.objects.get(
        action="proposal.created", object_id=str(make_proposal(cycle, users["sichuan"]).pk)
    )
    superuser = users["national"]
    superuser.is_staff = superuser.is_superuser = True
    superuser.save()
    request = RequestFactory().get("/admin/audit/auditentry/")
    request.user = superuser
    model_admin = admin.site._registry[AuditEntry]
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request, entry) is False
    assert model_admin.has_delete_permission(request, entry) is False
    assert model_admin.has_view_permission(request, entry) is True
