"""Document filters and boilerplate lines: exact cases, and what the defaults drop on the real corpora."""
import json
import random
import re
import unicodedata
from collections import Counter

import numpy as np
import pytest

from tests.conftest import DEMO_CORPUS, shared_file
from wwm.text import filters
from wwm.text.boilerplate import remove_boilerplate
from wwm.text.filters import FilterThresholds, rejection
from wwm.text.cleaning import clean_text

DEFAULTS = FilterThresholds()
ARTICLE = ('新华社北京3月5日电 第十三届全国人民代表大会第二次会议在人民大会堂开幕。国务院总理作政府工作报告，'
           '回顾过去一年的工作，提出今年经济社会发展的主要预期目标。代表们认真听取报告，并将分组审议。')


def test_boilerplate_lines_go_the_document_stays():
    text = '\n'.join([ARTICLE, '（来源：新华网）', '责任编辑：张三', '相关新闻：', '两会今日开幕 代表委员齐聚北京',
                      '政府工作报告全文发布', '本文为原创稿件，版权所有，转载请注明出处。', '点击查看更多图片',
                      '上一篇：春运收官', '会议还审议了其他事项。'])
    result = remove_boilerplate(text)
    assert result.text == ARTICLE + '\n会议还审议了其他事项。'
    assert result.lines_removed == 8 and result.credits_cut == 0


def test_trailing_credit_is_cut_prose_with_the_same_words_stays():
    assert remove_boilerplate(ARTICLE + '（责任编辑：李四）') == (ARTICLE, 0, 1)
    prose = ['汪峰作为《春天里》这首歌的版权所有者，要求他们不能再唱。', '2.查到所在省市点击进入，然后填写年报。',
             '数据来源于国家统计局，覆盖全国31个省份的调查样本和历年对比。']
    assert remove_boilerplate('\n'.join(prose)) == ('\n'.join(prose), 0, 0)


def test_traditional_boilerplate_is_recognised_too():
    assert remove_boilerplate(ARTICLE + '\n責任編輯：王五\n相關新聞：\n兩會開幕').text == ARTICLE


def test_each_filter_and_its_reason():
    assert rejection('太短了。', DEFAULTS).reason == filters.TOO_SHORT
    english = 'The quick brown fox jumps over the lazy dog near the river bank every morning 中文'
    assert rejection(english, DEFAULTS).reason == filters.LOW_CJK
    lines = '\n'.join(['今天天气很好，我们一起去公园散步吧。'] * 4 + ['明天下雨。'])
    assert rejection(lines, DEFAULTS).reason == filters.REPEATED_LINES
    assert rejection('哈哈哈哈' * 30, DEFAULTS).reason == filters.REPEATED_NGRAMS
    assert rejection(ARTICLE + ARTICLE, DEFAULTS).reason == filters.REPEATED_NGRAMS
    assert rejection(ARTICLE, DEFAULTS) is None
    assert rejection(ARTICLE + ARTICLE, filters.NO_FILTERS) is None
    assert rejection('太短了。', filters.NO_FILTERS) is None


def test_a_huge_document_is_measured_on_its_start(monkeypatch):
    monkeypatch.setattr(filters, 'MAX_MEASURED_CHARS', 100)
    unique = ''.join(chr(0x4e00 + i) for i in range(200))
    assert rejection(unique + '哈' * 300, DEFAULTS) is None
    assert rejection('哈' * 300 + unique, DEFAULTS).reason == filters.REPEATED_NGRAMS


def test_measures_on_exact_cases():
    assert filters.cjk_fraction(filters.word_chars('中文ab，。12')) == pytest.approx(2 / 6)
    assert filters.duplicate_line_fraction('a\nb\na\na') == pytest.approx(0.5)
    text = '一二三四五六七八九十' * 5 + '甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉'  # 50 repeated + 20 unique
    assert filters.duplicate_ngram_fraction(text) == pytest.approx(50 / 70)
    unique = ''.join(chr(0x4e00 + i) for i in range(40))
    assert filters.top_ngram_fraction('甲乙丙丁' * 3 + unique) == pytest.approx(12 / 52)
    assert filters.top_ngram_fraction('哈' * 60) == 1.0  # overlapping occurrences count once


def _real_corpora():
    thucnews = [line.split('\t', 1)[1] for line in
                shared_file('news/thucnews_cnews_1000.txt').read_text(encoding='utf-8').split('\n') if '\t' in line]
    zhwiki = [json.loads(line)['text'] for line in
              shared_file('zhwiki/wiki_00.wikiextractor_json_simplified.jsonl').read_text(encoding='utf-8').split('\n')
              if line.strip()]
    dureader = []
    for line in shared_file('qa/dureader2_demo_search.dev.json').read_text(encoding='utf-8').split('\n'):
        if line.strip():
            record = json.loads(line)
            parts = [record['question']] + [p for page in record['documents'] for p in page['paragraphs']]
            dureader.append('\n'.join(parts))
    drcd = [p['context'] for article in json.loads(shared_file('drcd/DRCD_test.json').read_text(encoding='utf-8'))['data']
            for p in article['paragraphs']]
    return {'thucnews': thucnews, 'zhwiki': zhwiki, 'dureader': dureader, 'drcd': drcd}


def _has_repeated_span(text, span=40):
    chars = filters.word_chars(text)
    return any(chars.find(chars[i:i + span], i + 1) >= 0 for i in range(0, len(chars) - span, span // 2))


def _cjk_share(text):
    chars = [c for c in text if c.isalnum()]
    return sum('CJK UNIFIED' in unicodedata.name(c, '') for c in chars) / max(1, len(chars))


def test_defaults_drop_few_real_documents_and_each_drop_is_justified():
    """Clean corpora lose (almost) nothing; THUCNews loses the articles whose body is printed twice and
    the English vocabulary lists, each confirmed here by an independent check."""
    dropped = {}
    for corpus, texts in _real_corpora().items():
        for text in texts:
            cleaned = remove_boilerplate(clean_text(text)).text
            failed = rejection(cleaned, DEFAULTS)
            if failed:
                dropped.setdefault(corpus, []).append((failed.reason, cleaned))
    assert 'drcd' not in dropped and 'dureader' not in dropped
    assert [reason for reason, _ in dropped.get('zhwiki', [])] == [filters.TOO_SHORT]  # a disambiguation stub
    thucnews = dropped['thucnews']
    assert len(thucnews) <= 50  # of 1000
    for reason, text in thucnews:
        if reason == filters.REPEATED_NGRAMS:
            assert _has_repeated_span(text) and len(text) > 100, text[:100]
        else:
            assert reason == filters.LOW_CJK and _cjk_share(text) < 0.3, text[:100]
    assert sum(reason == filters.REPEATED_NGRAMS for reason, _ in thucnews) >= 30


def test_boilerplate_on_real_news_removes_related_lists_and_credits():
    thucnews = _real_corpora()['thucnews']
    removed = kept_related = 0
    for text in thucnews:
        result = remove_boilerplate(clean_text(text))
        removed += result.lines_removed
        kept_related += len(re.findall(r'^(?:相关新闻|相关报道|相关阅读)[:：]', result.text, re.M))
        assert result.text, 'a whole article was boilerplate'
    assert kept_related == 0 and removed > 100


# The measures as they were first written, in pure Python: the numpy ones must give the same floats.
_CJK = re.compile('[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]')


def _reference_cjk_fraction(chars):
    return len(_CJK.findall(chars)) / len(chars) if chars else 0.0


def _reference_top_ngram_fraction(chars, n=filters.TOP_NGRAM_SIZE):
    if len(chars) < filters.MIN_CHARS_FOR_NGRAMS:
        return 0.0
    gram, count = Counter(chars[i:i + n] for i in range(len(chars) - n + 1)).most_common(1)[0]
    if count < 2:
        return 0.0
    covered = bytearray(len(chars))
    start = chars.find(gram)
    while start >= 0:
        covered[start:start + n] = b'\x01' * n
        start = chars.find(gram, start + 1)
    return sum(covered) / len(chars)


def _reference_duplicate_ngram_fraction(chars, n=filters.DUPLICATE_NGRAM_SIZE):
    if len(chars) < filters.MIN_CHARS_FOR_NGRAMS:
        return 0.0
    starts = {}
    covered = bytearray(len(chars))
    for i in range(len(chars) - n + 1):
        first = starts.setdefault(chars[i:i + n], i)
        if first != i:
            covered[first:first + n] = b'\x01' * n
            covered[i:i + n] = b'\x01' * n
    return sum(covered) / len(chars)


def _assert_measures_as_reference(texts, sizes=((filters.TOP_NGRAM_SIZE, filters.DUPLICATE_NGRAM_SIZE),)):
    """Each measure of each text is the reference's float, for each (top, duplicate) n-gram size."""
    for text in texts:
        cjk = filters.cjk_fraction(text)
        assert cjk == _reference_cjk_fraction(text) and type(cjk) is float, text[:60]
        for top_n, duplicate_n in sizes:
            top = filters.top_ngram_fraction(text, top_n)
            duplicate = filters.duplicate_ngram_fraction(text, duplicate_n)
            assert top == _reference_top_ngram_fraction(text, top_n), (top_n, text[:60])
            assert duplicate == _reference_duplicate_ngram_fraction(text, duplicate_n), (duplicate_n, text[:60])
            assert type(top) is float and type(duplicate) is float


def _demo_documents():
    """The demo corpus's text files: each line, and each whole file as one document."""
    files = [path.read_text(encoding='utf-8') for path in sorted(DEMO_CORPUS.glob('*.txt'))]
    assert files
    return files + [line for text in files for line in text.split('\n')]


def test_measures_equal_the_reference_on_the_demo_corpus():
    texts = _demo_documents()
    chars = [filters.word_chars(text) for text in texts]
    assert sum(filters.top_ngram_fraction(c) > 0 for c in chars) >= 5  # the n-gram paths are exercised
    _assert_measures_as_reference(texts + chars)


def test_measures_equal_the_reference_on_real_documents():
    texts = [text for texts in _real_corpora().values() for text in texts]
    chars = [filters.word_chars(remove_boilerplate(clean_text(text)).text) for text in texts]
    assert sum(filters.top_ngram_fraction(c) > 0 for c in chars) > 1000
    assert sum(filters.duplicate_ngram_fraction(c) > 0 for c in chars) > 100
    _assert_measures_as_reference(texts[:50] + chars)


UNIQUE = ''.join(chr(0x4e00 + i) for i in range(60))
# Two 4-grams occurring 3 times each, overlapping (covering 6 characters) or apart (covering 12).
TIED_OVERLAPPING = '哈哈哈哈哈哈'
TIED_APART = '甲乙丙丁' + UNIQUE[:3] + '甲乙丙丁' + UNIQUE[3:6] + '甲乙丙丁'


def test_of_tied_ngrams_the_one_seen_first_is_measured():
    length = len(TIED_OVERLAPPING + UNIQUE + TIED_APART)
    assert filters.top_ngram_fraction(TIED_OVERLAPPING + UNIQUE + TIED_APART) == 6 / length
    assert filters.top_ngram_fraction(TIED_APART + UNIQUE + TIED_OVERLAPPING) == 12 / length
    assert filters.top_ngram_fraction(UNIQUE[:20] + TIED_APART + TIED_OVERLAPPING + UNIQUE[20:]) == 12 / length


def _adversarial_texts():
    rng = random.Random(7)
    texts = ['', 'a', '中', UNIQUE[:49], UNIQUE[:50], '哈' * 49, '哈' * 50, '哈' * 60, '哈' * 10_000, '哈哈呵' * 40,
             TIED_OVERLAPPING + UNIQUE + TIED_APART, TIED_APART + UNIQUE + TIED_OVERLAPPING,
             UNIQUE[:20] + TIED_APART + TIED_OVERLAPPING + UNIQUE[20:], 'abab' * 13 + 'cdcd' * 13, 'ab中文12' * 30,
             'The quick brown fox 中文 jumps over the lazy dog' * 3,
             '𠀀' * 60, '𠀀𠀁' * 40, '𠀀中' * 30 + UNIQUE, ('中文𠀀abc' * 20)[:-1], '\U0003134f\U00031350' * 30,
             '\ud840\udc00' * 30 + '𠀀' * 30, '\ud800' * 55, UNIQUE + '\udfff\ud800' * 20 + UNIQUE]
    for _ in range(300):  # small alphabets: many repeats and ties
        alphabet = rng.choice(['ab', '哈呵', '甲乙丙', 'a中𠀀', '0123456789', UNIQUE[:5] + '𠀀𠀁'])
        texts.append(''.join(rng.choice(alphabet) for _ in range(rng.randrange(40, 400))))
    return texts


def test_measures_equal_the_reference_on_adversarial_texts():
    _assert_measures_as_reference(_adversarial_texts(), sizes=((4, 10), (1, 2), (2, 3), (3, 5), (7, 16)))


def test_cjk_fraction_at_the_edges_of_the_cjk_blocks():
    edges = [0, 0x33FF, 0x3400, 0x4DBF, 0x4DC0, 0x4DFF, 0x4E00, 0x9FFF, 0xA000, 0xD800, 0xDFFF, 0xF8FF,
             0xF900, 0xFAFF, 0xFB00, 0xFFFF, 0x10000, 0x1FFFF, 0x20000, 0x2A6DF, 0x3134F, 0x31350, 0x10FFFF]
    texts = [chr(code) for code in edges] + [''.join(map(chr, edges))]
    assert [filters.cjk_fraction(chr(code)) for code in edges].count(1.0) == 9
    _assert_measures_as_reference(texts)


def test_measures_on_more_distinct_characters_than_16_bits_hold():
    """Every BMP character but the surrogates, and astral ones: nothing depends on a small alphabet."""
    bmp = [chr(code) for code in range(0x10000) if not 0xD800 <= code <= 0xDFFF]
    astral = [chr(code) for code in range(0x20000, 0x20000 + 8000)]
    rng = random.Random(3)
    text = ''.join(bmp + astral) + ''.join(rng.choice(bmp) for _ in range(2000)) + ''.join(bmp[:500])
    _assert_measures_as_reference([text, ''.join(bmp) + ''.join(bmp[:300])])


def test_measures_stay_exact_when_gram_hashes_collide(monkeypatch):
    """Different grams sharing a hash are found and the grams themselves compared instead."""
    hashes = filters._gram_hashes
    for collide in (lambda h: h * np.uint64(0), lambda h: h % np.uint64(3), lambda h: h & np.uint64(15 << 60)):
        monkeypatch.setattr(filters, '_gram_hashes', lambda *args, collide=collide: collide(hashes(*args)))
        _assert_measures_as_reference(_adversarial_texts()[:40] + _demo_documents()[:3])


def test_filter_stage_keeps_strips_and_drops_with_reasons():
    """FilterDocuments on made-up documents: boilerplate lines go, failing documents are dropped
    with the filter's reason and measure, the lines cut are counted."""
    import apache_beam as beam
    from apache_beam.testing import test_pipeline
    from apache_beam.testing.util import assert_that, equal_to
    from schemas.records import Document, Dropped
    from transforms.filter_documents import BOILERPLATE_ONLY, FilterDocuments

    article = Document('news.txt:0', 'news.txt', ARTICLE + '\n责任编辑：张三')
    short = Document('news.txt:1', 'news.txt', '太短了。')
    credits_only = Document('news.txt:2', 'news.txt', '责任编辑：张三\n相关新闻：')
    with test_pipeline.TestPipeline() as pipeline:
        outputs = (pipeline | beam.Create([article, short, credits_only])
                   | FilterDocuments(DEFAULTS, remove_boilerplate_lines=True))
        assert_that(outputs.documents, equal_to([article._replace(text=ARTICLE)]), label='Kept')
        assert_that(outputs.dropped, equal_to([
            Dropped(filters.TOO_SHORT, short.doc_id, short.source, short.text,
                    detail=rejection(short.text, DEFAULTS).detail),
            Dropped(BOILERPLATE_ONLY, credits_only.doc_id, credits_only.source, credits_only.text,
                    detail='2 boilerplate lines')]), label='Dropped')
        assert_that(outputs.stats | beam.CombinePerKey(sum),
                    equal_to([('filtering.boilerplate_lines', 3)]), label='Stats')
