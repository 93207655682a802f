"""The published list is public; nothing else about the lists is, and localities see what
became of their proposals once the list is published."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from lists.services import drafting, publishing
from proposals.models import Proposal
from tests.conftest import client_for, make_proposal
from tests.test_lists_fixtures import build_world, make_candidate, publish


@pytest.fixture
def world(users, cycle):
    return build_world(users, cycle)


SECRET_ANSWER = "这是部委的内部答复"


def _answered(world, users):
    publishing.consultation_update(
        consultation=world.consultation,
        by=users["national"],
        data={"answer": SECRET_ANSWER, "answered_at": datetime.date(2099, 5, 20)},
    )


def test_anonymous_reads_the_published_list_grouped_and_numbered(world, users):
    response = Client().get(f"/lists/versions/{world.published.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    groups = response.context["groups"]
    assert [g.field.name for g in groups] == ["促进技术要素市场体系建设", "其他（个性化改革举措）"]
    assert [[i.position for i in g.items] for g in groups] == [[1, 2], [3]]
    for item in world.published.items.all():
        assert item.title in html
    assert "发改高技〔2099〕12号" in html and "国家发展改革委" in html
    assert "科技部、财政部" in html  # the ministries concerned by a measure are public


def test_anonymous_never_sees_drafts_or_consultations(world, users):
    _answered(world, users)
    anonymous = Client()
    for version in (world.draft, world.consulting):
        for suffix in ("", "xlsx/", "docx/"):
            assert anonymous.get(f"/lists/versions/{version.pk}/{suffix}").status_code == 404
        assert anonymous.get(f"/lists/{version.annual_list_id}/compare/").status_code == 404
    # The coordinator's pages need a login.
    for url in (
        "/lists/manage/",
        f"/lists/manage/versions/{world.consulting.pk}/",
        f"/lists/manage/versions/{world.published.pk}/",
        f"/lists/manage/consultations/{world.consultation.pk}/edit/",
    ):
        response = anonymous.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    # Nothing public shows a consultation, not even the published version's.
    published_consultation = world.published.consultations.get()
    for url in ("/lists/", f"/lists/versions/{world.published.pk}/"):
        html = anonymous.get(url).content.decode()
        assert SECRET_ANSWER not in html
        assert published_consultation.ministry not in html.replace("科技部、财政部", "")
        assert world.draft_item.title not in html


def test_logged_in_users_other_than_the_coordinator_see_what_anonymous_sees(world, users):
    for role in ("sichuan", "expert", "public"):
        client = client_for(users[role])
        assert client.get(f"/lists/versions/{world.draft.pk}/").status_code == 404
        assert client.get(f"/lists/versions/{world.published.pk}/").status_code == 200


def test_index_lists_only_published_lists(world):
    response = Client().get("/lists/")
    html = response.content.decode()
    assert response.status_code == 200
    assert world.published.annual_list.title in html
    assert world.draft.annual_list.title not in html
    assert world.consulting.annual_list.title not in html


def test_a_superseded_version_stays_readable_and_points_to_the_current_one(world, users):
    national = users["national"]
    v2 = publishing.list_revise(
        annual_list=world.published.annual_list, by=national, change_note="增补一项"
    )
    drafting.items_add(
        version=v2, by=national, candidates=[make_candidate(world.cycle, national, "增补的举措")]
    )
    # While the revision is a draft the public sees version 1 only.
    html = Client().get("/lists/").content.decode()
    assert "增补的举措" not in html and "v2" not in html
    publish(v2, national, "发改高技〔2099〕40号")
    old = Client().get(f"/lists/versions/{world.published.pk}/")
    assert old.status_code == 200
    assert f"/lists/versions/{v2.pk}/" in old.content.decode()
    new = Client().get(f"/lists/versions/{v2.pk}/").content.decode()
    assert "增补的举措" in new and "增补一项" in new


def test_navigation_links(world, users):
    anonymous = Client().get("/lists/").content.decode()
    assert 'href="/lists/"' in anonymous and 'href="/lists/manage/"' not in anonymous
    national = client_for(users["national"]).get("/lists/").content.decode()
    assert 'href="/lists/manage/"' in national and 'href="/lists/"' in national
    sichuan = client_for(users["sichuan"]).get("/").content.decode()
    assert 'href="/lists/"' in sichuan and 'href="/lists/manage/"' not in sichuan


# What became of a locality's proposal ------------------------------------------------------


def _merged(proposal: Proposal, candidate) -> Proposal:
    Proposal.objects.filter(pk=proposal.pk).update(
        state=Proposal.State.MERGED, merged_into=candidate, submitted_at=timezone.now()
    )
    proposal.refresh_from_db()
    return proposal


def test_a_locality_sees_its_proposal_on_the_list_only_after_publication(users, cycle):
    national, sichuan = users["national"], users["sichuan"]
    on_list = make_candidate(cycle, national, "入选的举措")
    left_out = make_candidate(cycle, national, "未入选的举措")
    chosen = _merged(make_proposal(cycle, sichuan, state="submitted"), on_list)
    dropped = _merged(make_proposal(cycle, sichuan, state="submitted", title="另一项"), left_out)
    version = drafting.list_create(cycle=cycle, by=national, title="2099年度清单")
    drafting.items_add(
        version=version,
        by=national,
        candidates=[make_candidate(cycle, national, "别的举措"), on_list],
    )
    client = client_for(sichuan)
    for proposal in (chosen, dropped):
        html = client.get(f"/proposals/{proposal.pk}/").content.decode()
        assert 'id="list-placement"' not in html
    publish(version, national)
    chosen_page = client.get(f"/proposals/{chosen.pk}/")
    assert chosen_page.status_code == 200
    html = chosen_page.content.decode()
    assert 'id="list-placement"' in html and "2099年度清单" in html
    assert f"/lists/versions/{version.pk}/#item-2" in html
    english = client_for(sichuan)
    english.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = english.get(f"/proposals/{chosen.pk}/").content.decode()
    assert "as item 2" in html
    html = english.get(f"/proposals/{dropped.pk}/").content.decode()
    assert "Not on the published list" in html
