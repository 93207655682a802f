"""The drafting warning: while a province drafts, it sees its own similar proposals and similar
measures of published lists; of other provinces' submitted proposals it learns only how many
look alike, never what they say."""

import datetime

import pytest
from django.utils import timezone

from lists import selectors as list_selectors
from lists.models import AnnualList, ListItem, ListVersion
from merging import selectors, services
from proposals.models import Cycle, Proposal
from tests.conftest import client_for, make_proposal
from tests.test_merging_flows import COURT, TECH, TECH_AGAIN, VISA, candidate_data, submitted


@pytest.fixture
def scene(users, cycle):
    national, sichuan, guangdong = users["national"], users["sichuan"], users["guangdong"]
    earlier = Cycle.objects.create(
        year=2098, title="2098年度征集", deadline=datetime.date(2098, 4, 30)
    )
    old = submitted(earlier, sichuan, TECH, contact_name="旧联系人")
    listed_source = submitted(earlier, guangdong, TECH_AGAIN)
    candidate = services.proposals_merge(
        cycle=earlier,
        proposals=[listed_source],
        by=national,
        data=candidate_data(title="清单上的技术经理人举措", content=TECH_AGAIN[1]),
    )
    earlier.is_open = False
    earlier.save()
    annual = AnnualList.objects.create(cycle=earlier, title="2098年度清单", created_by=national)
    version = ListVersion.objects.create(annual_list=annual, number=1)
    ListItem.objects.create(
        version=version,
        position=1,
        candidate=candidate,
        title=candidate.title,
        content=candidate.content,
        field=candidate.field,
    )
    # Published last: the lists app refuses any change to a published version.
    ListVersion.objects.filter(pk=version.pk).update(
        state=ListVersion.State.PUBLISHED,
        doc_number="发改高技〔2098〕1号",
        issued_on=datetime.date(2098, 9, 1),
        published_at=timezone.now(),
    )
    return {
        "cycle": cycle,
        "old": old,
        "listed": candidate.title,
        "draft": make_proposal(cycle, sichuan, title=TECH[0], content=TECH[1]),
        "theirs": submitted(cycle, guangdong, TECH_AGAIN, contact_name="广东联系人"),
        "their_draft": make_proposal(cycle, guangdong, title="广东的草稿" + TECH[0]),
        "unrelated": submitted(cycle, guangdong, COURT),
    }


def test_own_proposals_and_list_items_are_shown_others_only_counted(users, scene):
    warning = selectors.drafting_warning(
        users["sichuan"], title=TECH[0], content=TECH[1], cycle=scene["cycle"], exclude=None
    )
    assert {m.obj for m in warning.own} == {scene["draft"], scene["old"]}
    assert [m.obj.title for m in warning.list_items] == [scene["listed"]]
    assert warning.others == 1  # Guangdong's submitted one; not its draft, not COURT
    assert all(0.5 <= m.score <= 1 for m in warning.own + warning.list_items)


def test_the_draft_page_shows_the_warning_without_the_other_province_content(users, scene):
    html = client_for(users["sichuan"]).get(f"/proposals/{scene['draft'].pk}/").content.decode()
    assert 'id="similar-warning"' in html
    assert f"/proposals/{scene['old'].pk}/" in html
    assert scene["listed"] in html
    assert "similar-others" in html
    theirs = scene["theirs"]
    assert theirs.title not in html and theirs.content not in html
    assert f"/proposals/{theirs.pk}/" not in html
    assert scene["their_draft"].title not in html


def test_the_draft_does_not_warn_about_itself(users, scene):
    page = client_for(users["sichuan"]).get(f"/proposals/{scene['draft'].pk}/")
    shown = [m.obj for m in page.context["warning"].own]
    assert scene["draft"] not in shown
    assert scene["old"] in shown


def test_the_edit_form_and_a_rejected_new_form_warn_about_what_was_typed(users, scene):
    client = client_for(users["sichuan"])
    edit = client.get(f"/proposals/{scene['draft'].pk}/edit/").content.decode()
    assert scene["listed"] in edit
    assert "merging/drafting.js" in edit
    # A draft may be saved incomplete: national authority without ministries is rejected.
    typed = {"title": VISA[0], "content": TECH[1], "needs_national_authority": "on"}
    rejected = client.post("/proposals/new/", typed)
    assert rejected.status_code == 200
    assert scene["listed"] in rejected.content.decode()


def test_the_fragment_follows_the_typing(users, scene):
    client = client_for(users["sichuan"])
    url = "/merging/similar/"
    alike = client.post(url, {"title": TECH[0], "content": TECH[1], "cycle": scene["cycle"].pk})
    assert scene["listed"] in alike.content.decode()
    assert alike.context["warning"].others == 1
    other = client.post(url, {"title": VISA[0], "content": VISA[1], "cycle": scene["cycle"].pk})
    assert not other.context["warning"].any


def test_no_warning_once_submitted_or_for_the_centre(users, scene):
    sent = submitted(scene["cycle"], users["sichuan"], TECH, contact_name="某某")
    page = client_for(users["sichuan"]).get(f"/proposals/{sent.pk}/")
    assert 'id="similar-warning"' not in page.content.decode()
    page = client_for(users["national"]).get(f"/proposals/{scene['theirs'].pk}/")
    assert 'id="similar-warning"' not in page.content.decode()


def test_the_comparison_set_is_capped(users, scene, monkeypatch):
    monkeypatch.setattr(selectors, "OWN_LIMIT", 1)
    monkeypatch.setattr(selectors, "OTHERS_LIMIT", 1)
    monkeypatch.setattr(list_selectors, "KNOWN_LIMIT", 1)
    warning = selectors.drafting_warning(
        users["sichuan"], title=TECH[0], content=TECH[1], cycle=scene["cycle"], exclude=None
    )
    assert warning.compared == 3


def test_a_full_comparison_set_stays_fast(users, cycle):
    """The caps at their real values, with long texts: one page view's worth of work."""
    filler = "围绕科技成果转化、知识产权保护和科技金融开展改革探索，明确部门职责和推进步骤。" * 40
    rows = []
    for i in range(selectors.OWN_LIMIT + selectors.OTHERS_LIMIT):
        rows.append(
            Proposal(
                cycle=cycle,
                locality=users["sichuan" if i < selectors.OWN_LIMIT else "guangdong"].division,
                title=f"第{i}号改革举措",
                field_id=1,
                problem="问题",
                content=f"{i}{filler}",
                implementing_bodies="省科技厅",
                expected_results="成果",
                targets="指标",
                timetable="时间表",
                contact_name="联系人",
                contact_phone="1",
                state="submitted",
                submitted_at=timezone.now(),
                created_by=users["sichuan"],
            )
        )
    Proposal.objects.bulk_create(rows)
    warning = selectors.drafting_warning(
        users["sichuan"], title=TECH[0], content=TECH[1] + filler, cycle=cycle, exclude=None
    )
    # The work is bounded by the caps, whatever the cycle holds (its time is `make bench`'s).
    assert warning.compared == selectors.OWN_LIMIT + selectors.OTHERS_LIMIT
