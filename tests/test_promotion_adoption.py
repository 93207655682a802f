"""Adoption in a tracking round (推广落实; source 000: "畅通国家、省、市、区（县）四级政策传导
机制"): a unit answers each measure of the round in its scope, prefilled from its last answer,
and files its return (报送) — or "unchanged since the last round" (与上轮相比无变化) in one
action; each level sees its units, hands parts down (下发) and chases (催报) those not filed."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from audit.models import AuditEntry
from kernel.errors import Forbidden
from notifications.models import Notification
from promotion.models import AdoptionRecord, PromotedMeasure, RoundReturn, TrackingRound
from promotion.services import adoption as services
from promotion.services.records import AdoptionData, PromotionError, adoption_write
from promotion.services.rounds import round_close
from promotion.territory import unit_fields
from regions.models import Division
from tests.conftest import client_for
from tests.test_promotion_adoption_fixtures import (
    LANDED,
    TODAY,
    division,
    make_world,
    measures,
    open_round,
    park,
)


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def world(db):
    return make_world()


def expected(round: TrackingRound) -> list[PromotedMeasure]:
    """The measures a unit outside the 8 regions answers (郑州 is not in them)."""
    return [m for m in measures(round) if m.scope != PromotedMeasure.Scope.REGIONS]


def unit_url(name: str, round, kind: str, unit, *more) -> str:
    return reverse(f"promotion:{name}", args=[round.pk, kind, unit.pk, *more])


def answer_all(user, unit, round, data: AdoptionData = LANDED) -> None:
    for measure in expected(round):
        adoption_write(by=user, unit=unit, measure=measure, data=data, round=round)


def test_a_county_answers_each_measure_then_files_its_return(world):
    round = open_round(world["national"])
    county = division("410102")
    client = client_for(world["county"])
    page = client.get(unit_url("round_unit", round, "division", county))
    assert page.status_code == 200
    assert [r.measure for r in page.context["rows"]] == expected(round)
    first = expected(round)[0]
    url = unit_url("round_unit_measure", round, "division", county, first.pk)
    # In place without the local document: refused on the form, what was typed kept.
    typed = {"status": "landed", "status_on": TODAY.isoformat(), "contact": "李四 0371-7654321"}
    response = client.post(url, typed)
    assert response.status_code == 200
    assert "李四 0371-7654321" in response.content.decode()
    assert response.context["form"].non_field_errors()
    assert not AdoptionRecord.objects.exists()
    response = client.post(url, {**typed, "local_document": "中政〔2026〕3号"})
    assert response.status_code == 302
    record = AdoptionRecord.objects.get()
    assert record.round == round and record.division == county and record.status == "landed"
    assert record.prefecture == division("410100") and record.province == division("410000")
    # Filing with measures unanswered: the confirmation page lists them, the POST refuses.
    file_url = unit_url("round_unit_file", round, "division", county)
    confirm = client.get(file_url)
    assert len(confirm.context["missing"]) == len(expected(round)) - 1
    assert client.post(file_url).status_code == 200
    ret = RoundReturn.objects.get(round=round, division=county)
    assert ret.filed_at is None
    answer_all(world["county"], county, round)
    assert client.post(file_url).status_code == 302
    ret.refresh_from_db()
    assert ret.filed_at is not None and ret.filed_by == world["county"] and not ret.unchanged
    assert AuditEntry.objects.filter(action="return.filed", object_id=str(ret.pk)).exists()


def test_unchanged_since_the_last_round_is_filed_in_one_action(world):
    national, county = world["national"], division("410102")
    first = open_round(national, "第一轮")
    answer_all(world["county"], county, first)
    round_close(by=national, round=first)
    second = open_round(national, "第二轮")
    client = client_for(world["county"])
    page = client.get(unit_url("round_unit", second, "division", county))
    rows = page.context["rows"]
    assert all(r.record is not None and not r.this_round for r in rows)
    assert page.context["none_this_round"]
    # Each form is prefilled from the last round's answer.
    measure = expected(second)[0]
    form = client.get(
        unit_url("round_unit_measure", second, "division", county, measure.pk)
    ).context["form"]
    assert form.initial["local_document"] == LANDED.local_document
    assert form.initial["status"] == "landed"
    url = unit_url("round_unit_unchanged", second, "division", county)
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert len(confirm.context["rows"]) == len(expected(second))
    assert client.post(url).status_code == 302
    ret = RoundReturn.objects.get(round=second, division=county)
    assert ret.filed_at is not None and ret.unchanged
    records = AdoptionRecord.objects.filter(division=county)
    assert records.count() == len(expected(second))
    assert set(records.values_list("round", flat=True)) == {second.pk}
    assert set(records.values_list("status", flat=True)) == {"landed"}
    assert AuditEntry.objects.filter(action="adoption.confirmed").count() == len(expected(second))
    assert AuditEntry.objects.filter(action="return.unchanged", object_id=str(ret.pk)).exists()


def test_unchanged_is_refused_without_earlier_answers_or_after_a_change(world):
    national, county = world["national"], division("410102")
    round = open_round(national)
    with pytest.raises(PromotionError):
        services.return_file_unchanged(by=world["county"], round=round, unit=county)
    answer_all(world["county"], county, round)
    with pytest.raises(PromotionError, match="already changed"):
        services.return_file_unchanged(by=world["county"], round=round, unit=county)


@pytest.mark.parametrize(
    ("who", "kind", "code"),
    [
        ("county", "division", "410100"),  # a county for its prefecture
        ("park", "park", "410171"),  # a park for another park
        ("sichuan", "division", "410102"),  # another province's coordinator
        ("implementer", "division", "410102"),
        ("kaifeng", "division", "410102"),  # another prefecture
    ],
)
def test_a_unit_outside_the_users_scope_is_not_found(world, who, kind, code):
    round = open_round(world["national"])
    unit = park(code) if kind == "park" else division(code)
    client = client_for(world[who])
    for name in ("round_unit", "round_unit_file", "round_unit_unchanged"):
        assert client.get(unit_url(name, round, kind, unit)).status_code == 404
        assert client.post(unit_url(name, round, kind, unit)).status_code == 404
    measure = expected(round)[0]
    url = unit_url("round_unit_measure", round, kind, unit, measure.pk)
    assert client.post(url, {"status": "not_deployed"}).status_code == 404
    assert not AdoptionRecord.objects.exists()
    assert not RoundReturn.objects.filter(filed_at__isnull=False).exists()


def test_services_refuse_filing_for_a_unit_above_or_beside(world):
    round = open_round(world["national"])
    with pytest.raises(Forbidden):
        services.return_file(by=world["county"], round=round, unit=division("410100"))
    with pytest.raises(Forbidden):
        services.return_file(by=world["park"], round=round, unit=park("410171"))
    with pytest.raises(Forbidden):
        adoption_write(
            by=world["county"],
            unit=division("410100"),
            measure=expected(round)[0],
            data=LANDED,
            round=round,
        )


def test_the_levels_above_answer_for_their_units_the_national_level_only_reads(world):
    round = open_round(world["national"])
    county = division("410102")
    measure = expected(round)[0]
    url = unit_url("round_unit_measure", round, "division", county, measure.pk)
    for who in ("zhengzhou", "henan"):
        assert client_for(world[who]).get(url).status_code == 200
    national = client_for(world["national"])
    assert national.get(unit_url("round_unit", round, "division", county)).status_code == 200
    assert national.get(url).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(world, client):
    round = open_round(world["national"])
    county = division("410102")
    for url in (
        unit_url("round_unit", round, "division", county),
        reverse("promotion:round_units", args=[round.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_evidence_is_kept_and_served_to_those_who_see_the_record(world, media_root):
    round = open_round(world["national"])
    county = division("410102")
    measure = expected(round)[0]
    url = unit_url("round_unit_measure", round, "division", county, measure.pk)
    data = {"status": "deployed", "status_on": TODAY.isoformat()}
    client = client_for(world["county"])
    bad = SimpleUploadedFile("tool.exe", b"MZ\x90\x00")
    response = client.post(url, {**data, "evidence": bad})
    assert response.status_code == 200 and not AdoptionRecord.objects.exists()
    pdf = SimpleUploadedFile("部署通知.pdf", b"%PDF-1.4\n...", content_type="application/pdf")
    assert client.post(url, {**data, "evidence": pdf}).status_code == 302
    record = AdoptionRecord.objects.get()
    assert record.evidence_name == "部署通知.pdf"
    download = reverse("promotion:adoption_evidence", args=[record.pk])
    assert client.get(download).status_code == 200
    assert client_for(world["henan"]).get(download).status_code == 200
    assert client_for(world["sichuan"]).get(download).status_code == 404
    assert client_for(world["park"]).get(download).status_code == 404
    # A new file replaces it, on the record's trail.
    again = SimpleUploadedFile("落地文件.pdf", b"%PDF-1.4\n..", content_type="application/pdf")
    assert client.post(url, {**data, "evidence": again}).status_code == 302
    record.refresh_from_db()
    assert record.evidence_name == "落地文件.pdf"
    entry = AuditEntry.objects.filter(action="adoption.changed").get()
    assert entry.changes["evidence"] == ["部署通知.pdf", "落地文件.pdf"]


# The territory ---------------------------------------------------------------------------------


def _units(client, round, **params):
    response = client.get(reverse("promotion:round_units", args=[round.pk]), params)
    assert response.status_code == 200
    return response


def test_each_level_sees_its_own_units_and_those_below(world):
    round = open_round(world["national"])
    henan, zz = division("410000"), division("410100")
    count = _units(client_for(world["henan"]), round).context["page"].paginator.count
    assert count == RoundReturn.objects.filter(round=round, province=henan).count()
    zz_count = _units(client_for(world["zhengzhou"]), round).context["page"].paginator.count
    below = RoundReturn.objects.filter(round=round, prefecture=zz).count()
    assert zz_count == below  # the prefecture's own return carries itself as prefecture
    assert below == 1 + zz.children.count() + zz.parks.count()
    for who in ("county", "park", "jiyuan"):
        page = _units(client_for(world[who]), round).context["page"]
        assert page.paginator.count == 1
    # Filters: level, state, name.
    client = client_for(world["henan"])
    prefectures = _units(client, round, level=2).context["items"]
    assert {i["ret"].level for i in prefectures} == {2}
    named = _units(client, round, q="郑州").context["items"]
    assert {str(i["ret"].unit) for i in named} >= {"郑州市", "郑州高新技术产业开发区"}
    assert all("郑州" in str(i["ret"].unit) for i in named)
    RoundReturn.objects.filter(round=round, division=zz).update(
        filed_at=timezone.now(), filed_by=world["zhengzhou"]
    )
    filed = _units(client, round, state="filed").context["items"]
    assert [str(i["ret"].unit) for i in filed] == ["郑州市"]
    assert client_for(world["implementer"]).get(
        reverse("promotion:round_units", args=[round.pk])
    ).status_code in (403, 404)


def test_the_territory_counts_each_units_answers_per_status(world):
    round = open_round(world["national"])
    county = division("410102")
    for measure in expected(round)[:3]:
        adoption_write(by=world["county"], unit=county, measure=measure, data=LANDED, round=round)
    items = _units(client_for(world["zhengzhou"]), round, q="中原区").context["items"]
    assert len(items) == 1
    counts = items[0]["counts"]
    assert counts.counts == {"landed": 3}
    assert counts.missing == len(expected(round)) - 3


def _fill(round, by, count: int) -> None:
    """Answers of 60 of Henan's divisions to `count` measures, written at once for the size
    tests (the rules of a write are not what is measured here)."""
    AdoptionRecord.objects.all().delete()
    divisions = Division.objects.filter(province__code="410000").select_related("parent")[:60]
    rows = []
    for measure in expected(round)[:count]:
        for d in divisions:
            rows.append(
                AdoptionRecord(
                    measure=measure,
                    **unit_fields(d),
                    status="deployed",
                    status_on=TODAY,
                    deployed_on=TODAY,
                    updated_by=by,
                    round=round,
                )
            )
    AdoptionRecord.objects.bulk_create(rows)


def test_the_territory_page_takes_the_same_queries_whatever_the_data(
    world, django_assert_max_num_queries
):
    round = open_round(world["national"])
    client = client_for(world["henan"])
    _fill(round, world["henan"], 2)
    with django_assert_max_num_queries(16):
        _units(client, round)
    _fill(round, world["henan"], 30)
    with django_assert_max_num_queries(16):
        response = _units(client, round)
    assert sum(sum(i["counts"].counts.values()) for i in response.context["items"]) > 0


def test_the_territory_exports_to_excel(world):
    round = open_round(world["national"])
    county = division("410102")
    adoption_write(
        by=world["county"], unit=county, measure=expected(round)[0], data=LANDED, round=round
    )
    response = client_for(world["zhengzhou"]).get(
        reverse("promotion:round_units_xlsx", args=[round.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert isinstance(sheet, Worksheet)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Reporting unit"
    zz = division("410100")
    assert len(rows) - 1 == RoundReturn.objects.filter(round=round, prefecture=zz).count()
    county_row = next(r for r in rows if r[0] == "中原区")
    landed_column = rows[0].index("in place")
    assert county_row[landed_column] == 1


# Handing down and chasing -----------------------------------------------------------------------


def _ret(round, unit) -> RoundReturn:
    if hasattr(unit, "kind"):
        return RoundReturn.objects.get(round=round, park=unit)
    return RoundReturn.objects.get(round=round, division=unit)


def _post(user, round, name, ret):
    return client_for(user).post(reverse(f"promotion:{name}", args=[round.pk, ret.pk]))


def test_a_province_hands_a_prefectures_part_down_and_the_prefecture_its_counties(world):
    round = open_round(world["national"])
    zz, county, jiyuan = division("410100"), division("410102"), division("419001")
    Notification.objects.all().delete()
    assert _post(world["henan"], round, "return_hand_down", _ret(round, zz)).status_code == 302
    ret = _ret(round, zz)
    assert ret.delegated_at is not None and ret.delegated_by == world["henan"]
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {"zz"}
    # A county under a prefecture is the prefecture's to hand down; one directly under the
    # province is the province's.
    _post(world["henan"], round, "return_hand_down", _ret(round, county))
    assert _ret(round, county).delegated_at is None
    _post(world["henan"], round, "return_hand_down", _ret(round, jiyuan))
    assert _ret(round, jiyuan).delegated_at is not None
    for unit in (county, park("410172")):
        assert (
            _post(world["zhengzhou"], round, "return_hand_down", _ret(round, unit)).status_code
            == 302
        )
        assert _ret(round, unit).delegated_by == world["zhengzhou"]
    assert Notification.objects.filter(user=world["county"]).exists()
    assert Notification.objects.filter(user=world["park"]).exists()
    assert AuditEntry.objects.filter(action="return.handed_down").count() == 4


def test_handing_down_is_refused_to_others(world):
    round = open_round(world["national"])
    zz = _ret(round, division("410100"))
    # Not seen at all: another province, a county for its prefecture, a park.
    for who in ("sichuan", "county", "park", "implementer"):
        assert _post(world[who], round, "return_hand_down", zz).status_code == 404
    # The national level sees it but hands down nothing below the provinces.
    assert _post(world["national"], round, "return_hand_down", zz).status_code == 403
    # A county cannot hand its own part down.
    own = _ret(round, division("410102"))
    _post(world["county"], round, "return_hand_down", own)
    assert _ret(round, division("410102")).delegated_at is None
    assert _ret(round, division("410100")).delegated_at is None


def test_the_level_above_chases_the_units_that_have_not_filed(world):
    national = world["national"]
    round = open_round(national)
    zz, kf = division("410100"), division("410200")
    services.hand_down(by=world["henan"], ret=_ret(round, zz))
    Notification.objects.all().delete()
    assert _post(world["henan"], round, "return_chase", _ret(round, zz)).status_code == 302
    assert _ret(round, zz).chased_at is not None
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"zz"}
    # Not handed down: still the province's own to answer, nobody to chase.
    assert _post(world["henan"], round, "return_chase", _ret(round, kf)).status_code == 403
    assert _post(world["sichuan"], round, "return_chase", _ret(round, zz)).status_code == 404
    assert _post(world["county"], round, "return_chase", _ret(round, zz)).status_code == 404
    # A filed return is not chased.
    RoundReturn.objects.filter(pk=_ret(round, zz).pk).update(
        filed_at=_ret(round, zz).chased_at, filed_by=world["zhengzhou"]
    )
    with pytest.raises(PromotionError):
        services.chase(by=world["henan"], ret=_ret(round, zz))


def test_chasing_all_not_filed_in_one_action(world):
    national = world["national"]
    round = open_round(national)
    for unit in (division("410102"), division("410103"), park("410172")):
        services.hand_down(by=world["zhengzhou"], ret=_ret(round, unit))
    RoundReturn.objects.filter(round=round, division=division("410103")).update(
        filed_at=_ret(round, division("410102")).delegated_at, filed_by=world["zhengzhou"]
    )
    Notification.objects.all().delete()
    url = reverse("promotion:round_chase_all", args=[round.pk])
    assert client_for(world["zhengzhou"]).post(url).status_code == 302
    chased = RoundReturn.objects.filter(round=round, chased_at__isnull=False)
    assert {str(r.unit) for r in chased} == {"中原区", "郑州高新技术产业开发区"}
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"zy", "park"}
    # The national level chases the provinces.
    Notification.objects.all().delete()
    assert client_for(national).post(url).status_code == 302
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"henan", "sc"}
    assert client_for(world["implementer"]).post(url).status_code == 404
    # GET does nothing.
    assert client_for(national).get(url).status_code == 405


def test_a_units_page_takes_the_same_queries_whatever_the_data(
    world, django_assert_max_num_queries
):
    national, county = world["national"], division("410102")
    first = open_round(national, "第一轮")
    client = client_for(world["county"])
    url = unit_url("round_unit", first, "division", county)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
    answer_all(world["county"], county, first)
    round_close(by=national, round=first)
    second = open_round(national, "第二轮")
    url = unit_url("round_unit", second, "division", county)
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert all(row.record is not None for row in response.context["rows"])
