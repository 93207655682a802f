"""The departments concerned are consulted before the list is published (公布).

发改高技〔2021〕484号 §三（二）: "国家发展改革委、科技部汇总各地提出的改革举措建议，合并同类项、
组织专家论证，将含金量高的改革举措列入《全面改革创新举措清单》，征求有关部门意见并修改完善。"
§三（三）: "国家发展改革委、科技部及时公布《年度全面改革创新举措清单》".

So: any department may be one of the 有关部门 (not only a ministry), but never one of the
authorities that issue the list; and a version is published after at least one consultation,
or with the recorded reason it was published without one.
"""

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from audit.models import AuditEntry
from lists.errors import ListError
from lists.models import Consultation, ListVersion
from lists.services import drafting, publishing
from tests.conftest import client_for
from tests.test_lists_fixtures import draft_list, make_candidate

D = datetime.date
EN: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en"}
PUBLISH = {"doc_number": "发改高技〔2099〕12号", "issued_on": D(2099, 6, 1)}


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def version(users, cycle) -> ListVersion:
    national = users["national"]
    version = draft_list(cycle, national, [make_candidate(cycle, national, "甲")])
    return publishing.version_send_for_opinions(version=version, by=national)


def ask(version, by, department: str) -> Consultation:
    return publishing.consultation_record(
        version=version, by=by, ministry=department, asked_at=D(2099, 5, 6)
    )


def publish(version, by, **kw) -> ListVersion:
    data = {"issuing_authority": version.issuing_authority, **PUBLISH, **kw}
    return publishing.version_publish(version=ListVersion.objects.get(pk=version.pk), by=by, **data)


@pytest.mark.parametrize(
    "issuer",
    [
        "科技部",
        "国家发展改革委",
        "科学技术部",  # the full name
        "国家发展和改革委员会",
        "科 技 部",  # as 484号's 落款 spaces it
        "科技部成果转化与区域创新司",  # a department of the ministry (484号 §四)
    ],
)
def test_an_issuing_authority_is_not_consulted_on_its_own_list(users, version, issuer):
    """484号 §三（二）: the two ministries "征求有关部门意见"; they are not among those asked."""
    with pytest.raises(ListError) as refused:
        ask(version, users["national"], issuer)
    assert refused.value.message.startswith(f"{issuer} issues this list together with the others")
    assert "国家发展改革委、科技部" in refused.value.message
    assert "departments concerned (有关部门)" in refused.value.message
    assert not version.consultations.exists()


def test_the_refusal_holds_whatever_the_version_names_as_its_issuer(users, version):
    """484号 names both ministries the list's authors, even if the field names only one."""
    drafting.version_update(
        version=version, by=users["national"], data={"issuing_authority": "国家发展改革委"}
    )
    with pytest.raises(ListError, match="issues this list"):
        ask(version, users["national"], "科技部")


def test_any_department_concerned_may_be_consulted(users, version):
    """有关部门: a ministry, a bank, a province's department — anyone but the issuers."""
    national = users["national"]
    for department in ("财政部", "中国人民银行", "国家知识产权局", "四川省科技厅"):
        ask(version, national, department)
    assert version.consultations.count() == 4
    # An answer edited onto an issuer is refused just the same.
    consultation = version.consultations.first()
    with pytest.raises(ListError, match="issues this list"):
        publishing.consultation_update(
            consultation=consultation, by=national, data={"ministry": "科学技术部"}
        )


def test_a_consulted_department_does_not_become_an_issuer(users, version):
    national = users["national"]
    ask(version, national, "工业和信息化部")
    with pytest.raises(ListError, match="issues this list"):
        drafting.version_update(
            version=version,
            by=national,
            data={"issuing_authority": "国家发展改革委、科技部、工业和信息化部"},
        )
    with pytest.raises(ListError, match="issues this list"):
        publish(version, national, issuing_authority="国家发展改革委、科技部、工信部")
    assert ListVersion.objects.get(pk=version.pk).state == "consulting"


def test_the_consultation_page_refuses_an_issuer_with_the_message(users, version):
    client = client_for(users["national"])
    url = f"/lists/manage/versions/{version.pk}/consultations/new/"
    form = client.get(url, **EN).content.decode()
    assert "Department concerned (有关部门)" in form
    response = client.post(url, {"ministry": "科技部", "asked_at": "2099-05-06"}, **EN)
    assert response.status_code == 200
    assert "科技部 issues this list together with the others" in response.content.decode()
    assert not Consultation.objects.exists()


# Published after a consultation, or with the reason -----------------------------------------


def test_published_after_a_consultation(users, version):
    """484号 §三（二）then（三）: asked, then published."""
    national = users["national"]
    with pytest.raises(ListError, match="No department concerned"):
        publish(version, national)
    ask(version, national, "财政部")
    with pytest.raises(ListError, match="were consulted on this version"):
        publish(version, national, no_consultation_reason="时间紧")
    published = publish(version, national)
    assert (published.state, published.no_consultation_reason) == ("published", "")


def test_published_without_consultation_only_with_the_reason_kept(users, version):
    national = users["national"]
    for empty in ("", "   "):
        with pytest.raises(ListError, match="give the reason for publishing without one"):
            publish(version, national, no_consultation_reason=empty)
    assert ListVersion.objects.get(pk=version.pk).state == "consulting"
    reason = "清单仅调整文字表述，不涉及其他部门职责（测试）"
    published = publish(version, national, no_consultation_reason=f"  {reason} ")
    assert (published.state, published.no_consultation_reason) == ("published", reason)
    # In the history ...
    entry = AuditEntry.objects.get(action="list.published", object_id=str(version.pk))
    assert entry.changes["no_consultation_reason"] == ["", reason]
    # ... and on the version's pages: the coordinator's, and the published page to him.
    client = client_for(national)
    assert reason in client.get(f"/lists/manage/versions/{version.pk}/").content.decode()
    assert reason in client.get(f"/lists/versions/{version.pk}/").content.decode()
    # Consultations are the coordinator's: the public page does not show it.
    assert reason not in Client().get(f"/lists/versions/{version.pk}/").content.decode()


def test_the_publish_page_asks_for_the_reason_only_without_consultation(users, version):
    client = client_for(users["national"])
    url = f"/lists/manage/versions/{version.pk}/publish/"
    page = client.get(url, **EN).content.decode()
    assert 'name="no_consultation_reason"' in page
    assert 'value="国家发展改革委、科技部"' in page  # the issuing authorities offered
    data = {
        "issuing_authority": "国家发展改革委、科技部",
        "doc_number": "发改高技〔2099〕12号",
        "issued_on": "2099-06-01",
    }
    refused = client.post(url, data, **EN)
    assert refused.status_code == 200
    assert "No department concerned (有关部门) was consulted" in refused.content.decode()
    done = client.post(url, {**data, "no_consultation_reason": "紧急（测试）"})
    assert done.status_code == 302
    assert ListVersion.objects.get(pk=version.pk).no_consultation_reason == "紧急（测试）"


def test_with_a_consultation_the_publish_page_does_not_ask_for_a_reason(users, version):
    ask(version, users["national"], "财政部")
    page = client_for(users["national"]).get(f"/lists/manage/versions/{version.pk}/publish/")
    html = page.content.decode()
    assert 'name="no_consultation_reason"' not in html and "财政部" in html
