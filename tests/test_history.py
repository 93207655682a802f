"""The history on an object's page reads in the user's language, not in codes."""

from proposals.services.proposals import proposal_return, proposals_submit
from tests.conftest import client_for, make_proposal


def _history(client, url, language):
    html = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    return html[html.index('class="history"') :]


def test_history_shows_action_labels_field_names_and_state_labels(users, cycle):
    drafts = [make_proposal(cycle, users["sichuan"], title=f"草稿{i}") for i in range(3)]
    proposals_submit(proposals=drafts, by=users["sichuan"])
    proposal_return(proposal=drafts[0], by=users["national"], reason="请补充指标")
    client = client_for(users["sichuan"])
    url = f"/proposals/{drafts[0].pk}/"

    english = _history(client, url, "en")
    assert "returned for revision" in english
    assert "<strong>state</strong>: submitted → returned for revision" in english
    assert "<strong>reason for return</strong>" not in english  # the reason is the note
    assert "请补充指标" in english

    chinese = _history(client, url, "zh-hans")
    assert "<strong>状态</strong>: 已提交 → 已退回修改" in chinese
    # The action reads in words only: its key is the platform's, kept for machines.
    assert '<tr data-action="proposal.returned">' in chinese
    assert ">proposal.returned<" not in chinese


def test_history_shows_booleans_and_foreign_keys_readably(users, cycle):
    from proposals.services.proposals import proposal_update

    proposal = make_proposal(cycle, users["sichuan"])
    proposal_update(
        proposal=proposal,
        by=users["sichuan"],
        data={"needs_national_authority": True, "ministries": "科技部"},
    )
    english = _history(client_for(users["sichuan"]), f"/proposals/{proposal.pk}/", "en")
    assert "<strong>needs national authority</strong>: no → yes" in english
    assert "<strong>ministries concerned</strong>: — → 科技部" in english
    assert "<strong>reform field</strong>: — → 促进技术要素市场体系建设" in english
