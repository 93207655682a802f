from zhtext import index_terms, normalize, query_terms


def test_normalize_folds_full_width_and_extraction_breaks() -> None:
    assert normalize("ＡＢＣ１２３，科技\n成果  转化") == "abc123,科技成果转化"


def test_normalize_keeps_space_between_latin_words() -> None:
    assert normalize("Patent  pledge\nfinancing") == "patent pledge financing"


def test_index_terms_include_parts_of_compounds() -> None:
    terms = index_terms("支持科技成果转化的专利权质押融资")
    for expected in ("科技", "成果", "科技成果", "转化", "专利权", "质押"):
        assert expected in terms
    assert "的" not in terms


def test_query_terms_of_a_compound_are_found_in_the_longer_phrase() -> None:
    document = set(index_terms("推进科技成果转化收益分配改革"))
    assert set(query_terms("成果转化")) <= document


def test_query_terms_drop_punctuation_and_stopwords() -> None:
    assert query_terms("，的。") == []


def test_unrelated_query_does_not_match() -> None:
    document = set(index_terms("推进科技成果转化收益分配改革"))
    assert not set(query_terms("外籍人才")) <= document
