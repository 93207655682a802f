"""Topics of a cycle (出题) and the proposals that answer them (破题).

Source 000 (lines 15–22): "涉及大的改革航向、需要通盘谋划、举全国之力的改革，一般由中央'出题'，
地方……共同'破题'；对于地方、区域有强烈需求……的改革，由地方'出题'，中央部门'充分授权'，由央地
协同'破题'". The centre sets a topic, open at once; a province proposes one, the national level
authorises it (then open) or declines it with a reason. Only an open topic is answered.
"""

import datetime
import io

import pytest
from django.utils import translation
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from accounts.models import Role
from audit.models import AuditEntry
from notifications.models import Notification
from proposals.errors import ProposalError
from proposals.models import Proposal, ReformField, Topic
from proposals.services.proposals import proposal_create, proposal_update
from proposals.services.topics import (
    topic_authorise,
    topic_decline,
    topic_propose,
    topic_set,
)
from tests.conftest import client_for, division, make_proposal, make_user, proposal_data
from tests.test_repeat_fixtures import english, says


def told(user, topic: Topic) -> bool:
    return Notification.objects.filter(user=user, url=f"/topics/{topic.pk}/").exists()


def actions(topic: Topic) -> list[str]:
    return list(
        AuditEntry.objects.filter(content_type__model="topic", object_id=str(topic.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def form_post(form, **typed) -> dict[str, str]:
    """What the browser posts when the shown form is saved, changing only `typed`."""
    data: dict[str, str] = {}
    for field in form.visible_fields():
        value = field.value()
        if value not in (None, False, "", []):
            data[field.html_name] = str(value)
    data.update({k: str(v) for k, v in typed.items()})
    return data


@pytest.fixture
def yunnan(db):
    """The coordinator of a province the 484号 call is not addressed to."""
    return make_user("yunnan", Role.LOCALITY, division=division("530000"))


@pytest.fixture
def local_topic(users, cycle) -> Topic:
    return topic_propose(
        by=users["sichuan"],
        cycle=cycle,
        title="科技成果赋权改革",
        description="赋予科研人员职务科技成果所有权或长期使用权。",
        need="四川高校院所密集，成果转化需求强烈。",
    )


def test_central_topic_is_published_to_participants_and_answered(users, cycle, yunnan):
    """中央出题: set by the national level, open at once, the participants' coordinators told;
    a province answers it from the topic page, the proposal's title taken from the topic."""
    national, sichuan, guangdong = users["national"], users["sichuan"], users["guangdong"]
    field = ReformField.objects.get(name="促进技术要素市场体系建设")
    response = english(national).post(
        f"/cycles/{cycle.pk}/topics/new/",
        {
            "title": "职务科技成果单列管理",
            "description": "需要全国统筹的改革方向。",
            "field": field.pk,
        },
        follow=True,
    )
    says(response, "Topic set and published to the participants of the cycle.")
    topic = Topic.objects.get()
    assert (topic.kind, topic.state, topic.field) == ("central", "open", field)
    assert actions(topic) == ["topic.set"]
    assert told(sichuan, topic) and told(guangdong, topic)
    assert not told(yunnan, topic)  # not a participant: the topic is not published to it
    assert client_for(yunnan).get(f"/topics/{topic.pk}/").status_code == 404

    page = client_for(sichuan).get(f"/topics/{topic.pk}/")
    start = f"/proposals/new/?topic={topic.pk}"
    assert start in page.content.decode()
    form = client_for(sichuan).get(start).context["form"]
    assert form["topic"].value() == topic.pk
    assert form["title"].value() == "职务科技成果单列管理"
    data = form_post(form, **{k: v for k, v in proposal_data().items() if k != "title"})
    data["field"] = str(field.pk)
    data.pop("needs_national_authority", None)
    response = client_for(sichuan).post(start, data)
    assert response.status_code == 302, response.context["form"].errors
    answer = Proposal.objects.get()
    assert answer.topic == topic and answer.title == "职务科技成果单列管理"

    # The national level sees the answer once submitted, with its state, and the counts.
    assert "data-proposal" not in client_for(national).get(f"/topics/{topic.pk}/").content.decode()
    answer.state, answer.submitted_at = Proposal.State.SUBMITTED, answer.created_at
    answer.save()
    make_proposal(cycle, guangdong, state="returned", title="广东破题", topic=topic)
    page = english(national).get(f"/topics/{topic.pk}/")
    content = page.content.decode()
    assert f'data-proposal="{answer.pk}"' in content
    assert page.context["counts"]["proposals"] == 2
    assert page.context["counts"]["localities"] == 2
    assert {r["state"]: r["n"] for r in page.context["counts"]["by_state"]} == {
        "submitted": 1,
        "returned": 1,
    }
    assert "returned for revision" in content and "广东破题" in content
    silent = [d.code for d in page.context["silent"]]
    assert "510000" not in silent and "440000" not in silent and "110000" in silent
    # The proposal says which topic it answers; the cycle page lists the topic.
    assert (
        f"/topics/{topic.pk}/"
        in client_for(sichuan).get(f"/proposals/{answer.pk}/").content.decode()
    )
    assert (
        f"/topics/{topic.pk}/" in client_for(guangdong).get(f"/cycles/{cycle.pk}/").content.decode()
    )


def test_local_topic_proposed_authorised_then_answered(users, cycle, local_topic):
    """地方出题、中央充分授权: proposed by Sichuan, authorised after a confirmation page, then
    open to every participant like a central topic."""
    national, sichuan, guangdong = users["national"], users["sichuan"], users["guangdong"]
    topic = local_topic
    assert (topic.kind, topic.state, topic.locality.code) == ("local", "proposed", "510000")
    assert told(national, topic) and not told(guangdong, topic)
    # Proposed: only its province and the national level see it, and nobody answers it.
    assert client_for(guangdong).get(f"/topics/{topic.pk}/").status_code == 404
    assert client_for(sichuan).get(f"/topics/{topic.pk}/").context["can_answer"] is False
    with pytest.raises(ProposalError):
        proposal_create(by=sichuan, cycle=cycle, data=proposal_data(topic=topic))

    confirm = english(national).get(f"/topics/{topic.pk}/authorise/")
    assert confirm.status_code == 200 and b"cannot be undone" in confirm.content
    assert Topic.objects.get().state == "proposed"  # the confirmation page changes nothing
    response = english(national).post(
        f"/topics/{topic.pk}/authorise/", {"note": "同意"}, follow=True
    )
    says(response, "Topic authorised. It is open to the participants of the cycle.")
    topic.refresh_from_db()
    assert topic.state == "open" and topic.decided_by == national and topic.decided_at
    assert actions(topic) == ["topic.proposed", "topic.authorised"]
    assert told(guangdong, topic)
    assert b"topic authorised" in english(national).get(f"/topics/{topic.pk}/").content

    answer = proposal_create(by=guangdong, cycle=cycle, data=proposal_data(topic=topic))
    assert answer.topic == topic
    assert AuditEntry.objects.get(action="proposal.created").changes["topic"] == [
        None,
        "科技成果赋权改革",
    ]
    # Once decided, a second decision says so.
    with translation.override("en"), pytest.raises(ProposalError, match="already decided"):
        topic_decline(by=national, topic=topic, reason="迟到的决定")


def test_declined_topic_cannot_be_answered(users, cycle, local_topic):
    national, sichuan = users["national"], users["sichuan"]
    topic = local_topic
    empty = english(national).post(f"/topics/{topic.pk}/decline/", {"reason": ""})
    assert empty.status_code == 200 and Topic.objects.get().state == "proposed"
    response = english(national).post(
        f"/topics/{topic.pk}/decline/", {"reason": "宜纳入中央出题统筹"}, follow=True
    )
    says(response, "Topic declined. The locality has been told why.")
    topic.refresh_from_db()
    assert (topic.state, topic.decline_reason) == ("declined", "宜纳入中央出题统筹")
    assert told(sichuan, topic)
    page = english(sichuan).get(f"/topics/{topic.pk}/")
    assert page.context["can_answer"] is False and "宜纳入中央出题统筹" in page.content.decode()

    # Not offered on the form, refused by the service, on a new or an existing proposal.
    form = client_for(sichuan).get(f"/proposals/new/?topic={topic.pk}").context["form"]
    assert list(form.fields["topic"].queryset) == []
    assert form["topic"].value() is None
    with translation.override("en"), pytest.raises(ProposalError, match="Only an open topic"):
        topic_answered = proposal_data(topic=topic)
        proposal_create(by=sichuan, cycle=cycle, data=topic_answered)
    draft = make_proposal(cycle, sichuan)
    with pytest.raises(ProposalError):
        proposal_update(proposal=draft, by=sichuan, data={"topic": topic})
    assert Proposal.objects.get().topic is None
    with translation.override("en"), pytest.raises(ProposalError, match="already decided"):
        topic_authorise(by=national, topic=topic)


def test_topic_past_its_answer_by_date_is_not_offered(users, cycle):
    national, sichuan = users["national"], users["sichuan"]
    topic = topic_set(by=national, cycle=cycle, title="限期题", description="说明")
    Topic.objects.filter(pk=topic.pk).update(deadline=datetime.date(2000, 1, 1))
    topic.refresh_from_db()
    with pytest.raises(ProposalError):
        proposal_create(by=sichuan, cycle=cycle, data=proposal_data(topic=topic))
    assert client_for(sichuan).get(f"/topics/{topic.pk}/").context["can_answer"] is False
    with pytest.raises(ProposalError):
        topic_set(
            by=national,
            cycle=cycle,
            title="过去的期限",
            description="说明",
            deadline=datetime.date(2000, 1, 1),
        )


def test_refused_users(users, cycle, local_topic, yunnan, client):
    """Another province does not know a province's proposed topic; an implementer, a city, an
    innovation body and an anonymous visitor see no topics; a province does not decide."""
    topic = local_topic
    central = topic_set(by=users["national"], cycle=cycle, title="中央题", description="说明")
    guangdong = users["guangdong"]
    assert client_for(guangdong).get(f"/topics/{topic.pk}/").status_code == 404
    listed = client_for(guangdong).get(f"/cycles/{cycle.pk}/topics/")
    assert [t.pk for t in listed.context["page"].object_list] == [central.pk]
    own = client_for(users["sichuan"]).get(f"/cycles/{cycle.pk}/topics/").context["page"]
    assert {t.pk for t in own.object_list} == {central.pk, topic.pk}  # its own proposed one too
    # Yunnan takes no part in the cycle: it sees no topic, and cannot propose one.
    assert list(client_for(yunnan).get(f"/cycles/{cycle.pk}/topics/").context["page"]) == []
    with pytest.raises(ProposalError):
        topic_propose(by=yunnan, cycle=cycle, title="云南题", description="说明", need="需要")
    for name in ("implementer", "city", "innovator", "expert", "evaluator"):
        other = client_for(users[name])
        assert other.get(f"/cycles/{cycle.pk}/topics/").status_code == 403, name
        assert other.get(f"/topics/{central.pk}/").status_code == 403, name
        assert other.get(f"/cycles/{cycle.pk}/topics/export/").status_code == 403, name
        assert other.post(f"/cycles/{cycle.pk}/topics/new/", {"title": "x"}).status_code == 403
        assert f"/topics/{central.pk}/" not in other.get(f"/cycles/{cycle.pk}/").content.decode()
    for url in (f"/cycles/{cycle.pk}/topics/", f"/topics/{central.pk}/"):
        assert client.get(url).status_code == 302  # to the login page
    sichuan = client_for(users["sichuan"])
    assert sichuan.get(f"/topics/{topic.pk}/authorise/").status_code == 403
    assert sichuan.post(f"/topics/{topic.pk}/decline/", {"reason": "x"}).status_code == 403
    assert client_for(guangdong).post(f"/topics/{topic.pk}/authorise/").status_code == 404
    assert Topic.objects.get(pk=topic.pk).state == "proposed"
    # A province's drafts answering a topic stay its own: the centre does not see them.
    make_proposal(cycle, users["sichuan"], topic=central, title="四川草稿")
    page = client_for(users["national"]).get(f"/topics/{central.pk}/")
    assert page.context["counts"]["proposals"] == 0
    assert client_for(guangdong).get(f"/topics/{central.pk}/").context["counts"]["proposals"] == 0


def test_topic_list_filters_pages_and_exports(users, cycle, local_topic, settings):
    settings.PAGE_SIZE = 2
    national = users["national"]
    for n in range(3):
        topic_set(by=national, cycle=cycle, title=f"中央题{n}", description="说明")
    client = client_for(national)
    page = client.get(f"/cycles/{cycle.pk}/topics/").context["page"]
    assert page.paginator.count == 4 and len(page.object_list) == 2
    local = client.get(f"/cycles/{cycle.pk}/topics/?kind=local").context["page"]
    assert [t.pk for t in local.object_list] == [local_topic.pk]
    proposed = client.get(f"/cycles/{cycle.pk}/topics/?state=proposed").context["page"]
    assert [t.pk for t in proposed.object_list] == [local_topic.pk]
    found = client.get(f"/cycles/{cycle.pk}/topics/?q=中央题1").context["page"]
    assert [t.title for t in found.object_list] == ["中央题1"]
    response = client.get(f"/cycles/{cycle.pk}/topics/export/?kind=central")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert isinstance(sheet, Worksheet)
    titles = sorted(str(row[1]) for row in sheet.iter_rows(min_row=3, values_only=True))
    assert titles == ["中央题0", "中央题1", "中央题2"]


def _answers(cycle, topic, codes: list[str]) -> None:
    for code in codes:
        user = make_user(f"u{code}", Role.LOCALITY, division=division(code))
        make_proposal(cycle, user, state="submitted", title=f"{code}破题", topic=topic)


def test_topic_pages_queries_do_not_grow(users, cycle, django_assert_max_num_queries):
    national = users["national"]
    topic = topic_set(by=national, cycle=cycle, title="中央题", description="说明")
    client = client_for(national)
    codes = ["110000", "120000", "130000", "210000", "310000", "320000"]
    _answers(cycle, topic, codes[:1])
    with django_assert_max_num_queries(14) as few:
        assert client.get(f"/topics/{topic.pk}/").status_code == 200
    _answers(cycle, topic, codes[1:])
    for n in range(5):
        topic_set(by=national, cycle=cycle, title=f"另一题{n}", description="说明")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(f"/topics/{topic.pk}/")
    assert page.context["counts"]["proposals"] == 6
    with django_assert_max_num_queries(8):
        assert client.get(f"/cycles/{cycle.pk}/topics/").status_code == 200
    with django_assert_max_num_queries(13):
        assert client.get(f"/cycles/{cycle.pk}/").status_code == 200
