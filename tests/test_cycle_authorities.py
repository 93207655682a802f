"""A cycle records who calls for the proposals: 国家发展改革委、科技部 acting jointly
(发改高技〔2021〕484号, 落款 and §四: the 建议书 is sent to 国家发展改革委创新和高技术发展司、
科技部成果转化与区域创新司)."""

import datetime

from audit.models import AuditEntry
from proposals.models import Cycle
from proposals.services.cycles import cycle_open, cycle_update
from tests.conftest import client_for


def test_a_new_cycle_is_called_by_the_two_ministries_and_the_page_says_so(users):
    cycle = cycle_open(
        by=users["national"], year=2098, title="2098年度征集", deadline=datetime.date(2098, 4, 30)
    )
    assert cycle.issuing_authorities == "国家发展改革委、科技部"
    html = client_for(users["sichuan"]).get(f"/cycles/{cycle.pk}/").content.decode()
    assert "国家发展改革委、科技部" in html


def test_the_issuing_authorities_can_be_edited_and_the_change_is_recorded(users, cycle):
    cycle_update(cycle=cycle, by=users["national"], issuing_authorities="国家发展改革委")
    assert Cycle.objects.get(pk=cycle.pk).issuing_authorities == "国家发展改革委"
    entry = AuditEntry.objects.filter(action="cycle.updated", object_id=str(cycle.pk)).get()
    assert entry.changes["issuing_authorities"] == ["国家发展改革委、科技部", "国家发展改革委"]
