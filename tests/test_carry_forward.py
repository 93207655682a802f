"""Facts entered once are carried forward, never retyped (issue #12 “Carry facts forward”).

Source 001 (数字化改革的经验: 一表多用, 信息一次填报、材料一次报送) and 发改高技〔2021〕484号
§三 (a province hears its innovation bodies and recommends 建议书): a suggestion becomes a
proposal with its title, content and organisation; the coordinator's contact comes from the
locality's last proposal.
"""

import dataclasses

from django.urls import reverse

from proposals.models import Proposal, Suggestion
from proposals.services.suggestions import suggestion_submit
from tests.conftest import client_for, make_proposal, prefilled_post_data, proposal_data


def _suggestion(cycle, users, **kw) -> Suggestion:
    return suggestion_submit(
        by=users["innovator"],
        cycle=cycle,
        title=kw.get("title", "高校科研人员离岗创业期间保留人事关系"),
        content=kw.get("content", "允许高校科研人员离岗创业三年内保留人事关系。"),
    )


def test_suggestion_page_offers_drafting_a_proposal_from_it(cycle, users):
    suggestion = _suggestion(cycle, users)
    page = client_for(users["sichuan"]).get(
        reverse("proposals:suggestion_detail", args=[suggestion.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    link = reverse("proposals:proposal_create") + f"?from={suggestion.pk}"
    assert link in page.content.decode()
    assert "Draft a proposal from this suggestion" in page.content.decode()


def test_proposal_form_carries_title_content_and_organisation(cycle, users):
    suggestion = _suggestion(cycle, users)
    page = client_for(users["sichuan"]).get(
        reverse("proposals:proposal_create"), {"from": suggestion.pk}
    )
    initial = page.context["form"].initial
    assert initial["title"] == suggestion.title
    assert initial["content"] == suggestion.content
    assert initial["implementing_bodies"] == "四川大学"
    assert initial["sources"] == [str(suggestion.pk)]


def test_suggestion_to_proposal_in_one_save(cycle, users):
    """The goal of the issue: login → suggestion → button → save, nothing retyped but what a
    suggestion cannot know (the reform field and the locality's plan)."""
    suggestion = _suggestion(cycle, users)
    make_proposal(cycle, users["sichuan"], contact_name="李四", contact_phone="028-87654321")
    client = client_for(users["sichuan"])
    page = client.get(reverse("proposals:proposal_create"), {"from": suggestion.pk})
    data = prefilled_post_data(page.context["form"])
    plan = proposal_data()
    # What the suggestion cannot say; everything else is carried over.
    for name in ["field", "problem", "expected_results", "targets", "timetable"]:
        data[name] = str(plan[name].pk) if name == "field" else plan[name]
    response = client.post(reverse("proposals:proposal_create"), data)
    assert response.status_code == 302
    proposal = Proposal.objects.exclude(title=plan["title"]).get()
    assert proposal.title == suggestion.title
    assert proposal.content == suggestion.content
    assert proposal.implementing_bodies == "四川大学"
    assert (proposal.contact_name, proposal.contact_phone) == ("李四", "028-87654321")
    assert list(proposal.sources.all()) == [suggestion]
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.ADOPTED


def test_another_localitys_suggestion_is_not_carried(cycle, users):
    suggestion = _suggestion(cycle, users)  # sent to Sichuan
    page = client_for(users["guangdong"]).get(
        reverse("proposals:proposal_create"), {"from": suggestion.pk}
    )
    initial = page.context["form"].initial
    assert "title" not in initial
    assert "content" not in initial


def test_contact_comes_from_the_localitys_last_proposal(cycle, users):
    make_proposal(cycle, users["sichuan"], contact_name="王五", contact_phone="028-1")
    make_proposal(cycle, users["sichuan"], contact_name="李四", contact_phone="028-2")
    make_proposal(cycle, users["guangdong"], contact_name="陈六", contact_phone="020-3")
    initial = client_for(users["sichuan"]).get(reverse("proposals:proposal_create"))
    form = initial.context["form"]
    assert (form.initial["contact_name"], form.initial["contact_phone"]) == ("李四", "028-2")


def test_first_proposal_offers_the_coordinators_own_name(cycle, users):
    users["sichuan"].first_name, users["sichuan"].last_name = "明", "赵"
    users["sichuan"].save()
    form = client_for(users["sichuan"]).get(reverse("proposals:proposal_create")).context["form"]
    assert form.initial["contact_name"] == users["sichuan"].get_full_name()
    assert "contact_phone" not in form.initial


def test_localitys_own_list_has_no_locality_filter(cycle, users):
    """A locality sees its own proposals only (`proposals.rules.PROPOSALS`): a 地方 filter
    offering all 31 provinces could only mislead."""
    make_proposal(cycle, users["sichuan"])
    page = client_for(users["sichuan"]).get(reverse("proposals:proposal_list"))
    assert "locality" not in page.context["filters"].fields
    assert 'name="locality"' not in page.content.decode()


def test_national_list_keeps_the_locality_filter(cycle, users):
    page = client_for(users["national"]).get(reverse("proposals:proposal_list"))
    choices = page.context["filters"].fields["locality"].queryset
    assert choices.count() == 31


def test_task_setup_offers_the_responsible_people_of_the_localitys_tasks(users):
    """A responsible person (责任人, 484号 §三: 时间表、路线图、责任人) named on one of a
    locality's tasks is offered on its others, never another locality's."""
    from tasks.services import plans
    from tests.test_tasks_fixtures import task_world

    world = task_world(users, approved=False)
    first, second = world.sichuan_tasks[0], world.sichuan_tasks[1]
    plans.task_update(
        task=first,
        by=users["sichuan"],
        responsible_person="李四",
        responsible_post="处长",
        responsible_phone="028-1111",
    )
    page = client_for(users["sichuan"]).get(reverse("tasks:setup", args=[second.pk]))
    html = page.content.decode()
    assert '<option value="李四">' in html
    assert '<option value="028-1111">' in html
    assert 'list="id_responsible_person-options"' in html
    assert '<option value="王五">' not in html  # Guangdong's
    response = client_for(users["sichuan"]).post(
        reverse("tasks:setup", args=[second.pk]),
        {
            "responsible_person": "李四",
            "responsible_post": "处长",
            "responsible_phone": "028-1111",
            "landmark": "",
            "weight": "1",
        },
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.responsible_person == "李四"


def test_an_adoption_answer_carries_the_units_contact(db):
    """The contact given on one measure's adoption answer is offered on the next measure."""
    from promotion.services.records import adoption_write
    from tests.test_promotion_adoption import expected, unit_url
    from tests.test_promotion_adoption_fixtures import (
        LANDED,
        division,
        make_world,
        open_round,
    )

    world = make_world()
    round = open_round(world["national"])
    county = division("410102")
    first, second = expected(round)[:2]
    adoption_write(
        by=world["county"],
        unit=county,
        measure=first,
        data=dataclasses.replace(LANDED, contact="李四 0371-7654321"),
        round=round,
    )
    url = unit_url("round_unit_measure", round, "division", county, second.pk)
    form = client_for(world["county"]).get(url).context["form"]
    assert form.initial["contact"] == "李四 0371-7654321"
