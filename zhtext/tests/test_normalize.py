import random

from zhtext import noise
from zhtext.normalize import normalize, to_simplified


def test_full_width_letters_digits_and_punctuation_fold_to_half_width():
    assert normalize("ＡＢＣ１２３，科技成果（试点）") == "abc123,科技成果(试点)"


def test_brackets_of_document_numbers_compare_equal():
    assert (
        normalize("国办发〔2017〕80号")
        == normalize("国办发[2017]80号")
        == normalize("国办发（2017）80号")
    )


def test_quotes_and_dashes_are_unified():
    assert normalize("“三合一”审判——试点") == '"三合一"审判--试点'


def test_line_break_inside_a_cjk_run_is_removed():
    assert (
        normalize("以事前产权激励为核心的职务\n科技成果权属改革")
        == "以事前产权激励为核心的职务科技成果权属改革"
    )


def test_stray_spaces_between_cjk_characters_are_removed():
    assert normalize("知 识 产 权  案件 跨市 审理") == "知识产权案件跨市审理"
    assert normalize("2017 年 9 月") == "2017年9月"


def test_space_between_latin_words_is_kept():
    assert normalize("Patent  pledge\nfinancing") == "patent pledge financing"


def test_hyphenation_at_line_end_is_joined():
    assert normalize("intellec-\ntual property") == "intellectual property"


def test_page_numbers_and_running_headers_on_their_own_line_are_dropped():
    for furniture in ("— 3 —", "- 12 -", "第 3 页", "第3页 共12页", "3 / 12", "7", "－ ３ －"):
        assert normalize(f"专利权质押\n{furniture}\n融资服务") == "专利权质押融资服务", furniture


def test_a_number_inside_a_line_is_kept():
    assert normalize("覆盖企业不少于100家") == "覆盖企业不少于100家"


def test_traditional_characters_fold_to_simplified():
    assert (
        to_simplified("國辦發 知識產權 職務科技成果權屬混合所有制改革")
        == "国办发 知识产权 职务科技成果权属混合所有制改革"
    )
    assert (
        normalize("允許部分無工作經歷的優秀外籍高校畢業生在華就業")
        == "允许部分无工作经历的优秀外籍高校毕业生在华就业"
    )


def test_pinyin_ruby_left_by_web_mirrors_is_removed():
    assert normalize("論知識產(chǎn)權(quán)三審合一審判機(jī)制") == "论知识产权三审合一审判机制"


def test_generated_extraction_noise_without_ocr_errors_normalises_back():
    text = "贷款、保险、财政风险补偿捆绑的专利权质押融资服务（2017）"
    rng = random.Random(1)  # noqa: S311
    for _ in range(20):
        noisy = noise.line_breaks(
            noise.stray_spaces(noise.full_width(noise.traditional(text)), rng), rng
        )
        noisy = noise.page_furniture(noisy, rng)
        assert normalize(noisy) == normalize(text)
