"""The lists pages in the walk of issue #12: the issuing authorities carried forward from the
cycle (484号 落款: the ministries that call for the proposals publish the list, §三（二）), and
the comparison a claim programme links to when its list has a newer version."""

from django.urls import reverse

from lists.models import ListVersion
from lists.services import drafting, publishing
from tests.conftest import client_for
from tests.test_lists_fixtures import draft_list, make_candidate, publish


def test_a_new_list_offers_the_cycles_issuing_authorities(users, cycle):
    cycle.issuing_authorities = "国家发展和改革委员会、科学技术部"
    cycle.save(update_fields=["issuing_authorities"])
    url = reverse("lists:list_create", args=[cycle.pk])
    html = client_for(users["national"]).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'value="国家发展和改革委员会、科学技术部"' in html
    # Posted as offered, the version is issued by them, nothing typed again.
    response = client_for(users["national"]).post(
        url,
        {"title": "清单", "issuing_authority": "国家发展和改革委员会、科学技术部", "preamble": ""},
    )
    assert response.status_code == 302
    version = ListVersion.objects.get(annual_list__cycle=cycle)
    assert version.issuing_authority == "国家发展和改革委员会、科学技术部"


def test_a_revision_carries_the_issuing_authorities_into_publishing(users, cycle):
    national = users["national"]
    v1 = publish(draft_list(cycle, national, [make_candidate(cycle, national, "甲")]), national)
    v2 = publishing.list_revise(annual_list=v1.annual_list, by=national, change_note="加一项")
    drafting.items_add(version=v2, by=national, candidates=[make_candidate(cycle, national, "乙")])
    publishing.version_send_for_opinions(version=v2, by=national)
    html = (
        client_for(national)
        .get(reverse("lists:publish", args=[v2.pk]), HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert f'value="{v1.issuing_authority}"' in html


def test_the_comparison_a_programme_links_to_shows_the_added_measure(users, cycle):
    national = users["national"]
    v1 = publish(draft_list(cycle, national, [make_candidate(cycle, national, "甲举措")]), national)
    v2 = publishing.list_revise(annual_list=v1.annual_list, by=national, change_note="加一项")
    drafting.items_add(
        version=v2, by=national, candidates=[make_candidate(cycle, national, "乙举措")]
    )
    publish(v2, national, number="发改高技〔2099〕13号")
    url = reverse("lists:compare", args=[v1.annual_list_id]) + "?old=1&new=2"
    for user in (users["national"], users["sichuan"]):
        html = client_for(user).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "乙举措" in html
