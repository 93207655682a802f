from accounts.models import User
from proposals.models import Proposal
from tests.conftest import client_for, make_proposal


def test_locality_submits_and_national_returns(users, cycle):
    sichuan: User = users["sichuan"]
    drafts = [make_proposal(cycle, sichuan, title=f"草稿{i}") for i in range(3)]
    response = client_for(sichuan).post(
        "/proposals/submit/", {"proposal": [p.pk for p in drafts]}, follow=True
    )
    assert response.status_code == 200
    assert set(Proposal.objects.values_list("state", flat=True)) == {"submitted"}

    national = client_for(users["national"])
    response = national.post(f"/proposals/{drafts[0].pk}/return/", {"reason": "补充指标"})
    assert response.status_code == 302
    drafts[0].refresh_from_db()
    assert drafts[0].state == "returned"
    assert drafts[0].return_reason == "补充指标"
