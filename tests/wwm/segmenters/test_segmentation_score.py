"""The SIGHAN word scores on hand-made cases, and reading bakeoff files with their quirks."""
import pytest

from wwm.segmenters.segmentation_score import SegmentationScore, score_corpus, score_sentence
from wwm.segmenters.segmented_text import format_segmented, parse_segmented


def test_identical_segmentation_scores_one():
    words = ['我', '爱', '北京', '天安门']
    assert score_sentence(words, words) == SegmentationScore(4, 4, 4)
    assert score_sentence(words, words).f1 == 1.0


def test_words_count_only_with_both_boundaries_right():
    # Gold spans (0,1) (1,2) (2,4) (4,7); predicted (0,2) (2,4) (4,5) (5,7): only 北京 is right.
    score = score_sentence(['我', '爱', '北京', '天安门'], ['我爱', '北京', '天', '安门'])
    assert score == SegmentationScore(4, 4, 1)
    assert (score.precision, score.recall, score.f1) == (0.25, 0.25, 0.25)


def test_precision_and_recall_differ_when_word_counts_differ():
    score = score_sentence(['北京', '天安门', '广场'], ['北京', '天安门广场'])
    assert score == SegmentationScore(3, 2, 1)
    assert score.precision == 0.5 and score.recall == pytest.approx(1 / 3)
    assert score.f1 == pytest.approx(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3))


def test_no_correct_word_scores_zero_not_an_error():
    score = score_sentence(['中华人民共和国'], ['中华', '人民', '共和国'])
    assert score == SegmentationScore(1, 3, 0) and score.f1 == 0.0


def test_whitespace_on_predicted_words_is_not_text():
    assert score_sentence(['running', '的', '人'], ['running  ', ' 的', '人', ' ']) == SegmentationScore(3, 3, 3)


def test_corpus_scores_are_summed_over_words_not_averaged_over_sentences():
    gold = [['我', '爱', '北京', '天安门'], ['北京', '天安门', '广场']]
    predicted = [['我', '爱', '北京', '天安门'], ['北京天安门广场']]
    score = score_corpus(gold, predicted)
    assert score == SegmentationScore(7, 5, 4)
    assert score.precision == 0.8 and score.recall == pytest.approx(4 / 7)


def test_different_text_is_refused_with_its_sentence_number():
    with pytest.raises(ValueError, match='sentence 2: segmentation covers'):
        score_corpus([['我'], ['北京']], [['我'], ['南京']])
    with pytest.raises(ValueError, match='1 segmented sentences for 2 gold sentences'):
        score_corpus([['我'], ['北京']], [['我']])


def test_bakeoff_quirks_bom_crlf_double_spaces_blank_lines():
    data = '\ufeff共同  创造  美好  \r\n\r\n2001年  新年  \r\n   \r\n「 練 得 」\n'.encode('utf-8')
    sentences = parse_segmented(data)
    assert sentences == [['共同', '创造', '美好'], ['2001年', '新年'], ['「', '練', '得', '」']]
    assert format_segmented(sentences[:2]) == '共同 创造 美好\n2001年 新年\n'
