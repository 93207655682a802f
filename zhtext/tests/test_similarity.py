import math

from zhtext.similarity import (
    THRESHOLD,
    Features,
    features,
    is_same,
    shared_terms,
    similarity,
    weight,
)

TITLE = "贷款、保险、财政风险补偿捆绑的专利权质押融资服务"


def test_score_is_in_unit_interval_and_one_for_equal_texts():
    assert math.isclose(similarity(TITLE, TITLE), 1.0)
    assert similarity(TITLE, "国税地税联合办税") < 0.2
    assert similarity("", TITLE) == 0.0
    assert 0.0 <= similarity(TITLE, "专利保险") <= 1.0


def test_features_and_strings_give_the_same_score():
    assert similarity(features(TITLE), TITLE) == similarity(TITLE, TITLE)
    assert isinstance(features(TITLE), Features)


def test_extraction_noise_does_not_change_the_decision():
    noisy = "贷款、保险、財政風險補償\n— 3 —\n捆绑的专利权质押融资服务"
    assert is_same(TITLE, noisy)


def test_title_matches_its_fuller_wording():
    fuller = (
        "知识产权审判“三合一”,是指由人民法院知识产权审判庭统一审判知识产权民事、刑事和行政案件。"
    )
    assert is_same("知识产权民事、刑事、行政案件“三合一”审判", fuller)


def test_two_measures_of_one_field_are_not_the_same():
    assert not is_same(TITLE, "以协商估值、坏账分担为核心的中小企业商标质押贷款模式")
    assert not is_same(
        "以降低侵权损失为核心的专利保险机制", "知识产权民事、刑事、行政案件“三合一”审判"
    )


def test_place_names_do_not_make_proposals_alike():
    a = "四川省成都市关于探索专利保险的建议"
    b = "四川省成都市关于推行国税地税联合办税的建议"
    assert similarity(a, b) < THRESHOLD


def test_weights_put_boilerplate_below_field_words_below_specific_terms():
    assert weight("机制") < weight("知识产权") < weight("质押")


def test_shared_terms_explain_with_specific_words_first():
    terms = shared_terms(TITLE, "专利权质押融资与保险、财政风险补偿相结合", limit=3)
    assert terms[0] in {"专利权", "质押", "补偿", "风险"}
    assert "的" not in terms
