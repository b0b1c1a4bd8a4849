"""Cleaning: converter markup, HTML, URLs/e-mails, whitespace, and wikitext conversion; on exact cases
and on the real corpora."""
import json
import re

import opencc
import pytest

from tests.conftest import shared_file
from wwm.text.converter_markup import SIMPLIFIED, TRADITIONAL, resolve_converter_markup
from wwm.text.html import strip_html
from wwm.readers.wikitext import MAX_NESTING, wikitext_to_text
from wwm.text.cleaning import CleaningOptions, clean_text, clean_with_counts

MARKUP = re.compile(r'-\{|\}-')
HTML_TAG = re.compile(r'</?(?:br|p|div|span|nowiki|ref|img|pre|a|b|i|sup|sub|small|big|font)(?=[\s/>])[^<>]*>',
                      re.I)


@pytest.mark.parametrize('markup, simplified, traditional', [
    ('-{zh-cn:域;zh-tw:體}-', '域', '體'),
    ('-{zh-hans:实时;zh-hant:即時;}-', '实时', '即時'),
    ('-{zh-hans:社会媒体; zh-cn:社交媒体; zh-tw:社群媒體; zh-hk:社群媒體;}-', '社交媒体', '社群媒體'),
    ('-{zh-cn:必应;zh-tw:Bing;zh-hk:Bing}-', '必应', 'Bing'),
    ('-{zh-sg:物质科学; zh-hk:材料科學}-', '物质科学', '材料科學'),   # zh-sg is a simplified fallback
    ('-{zh-tw:資訊}-', '資訊', '資訊'),                                 # no simplified rule: OpenCC's turn
    ('-{zh-hant:; zh-hans:;}-', '', ''),
    ('-{}-', '', ''),
    ('-{朱由崧}-', '朱由崧', '朱由崧'),                                 # plain form: shown unconverted
    ('-{R|zh-cn:原文}-', 'zh-cn:原文', 'zh-cn:原文'),                   # raw flag
    ('-{A|zh-cn:蓝屏死机; zh-tw:藍白當機畫面}-', '蓝屏死机', '藍白當機畫面'),
    ('-{H|zh-hant:心裡學;zh-hans:心里学;}-', '', ''),                   # hidden rule shows nothing
    ('-{T|Gtk#}-', '', ''),                                             # title rule shows nothing
    ('-{zh-hans;zh-hant|只}-', '只', '只'),
    ('-{zh-hant|隻}-', '', '隻'),
    ('-{H|巨集=>zh-cn:宏;}-', '', ''),
    ('-{A|巨集=>zh-cn:宏; 巨集=>zh-sg:宏;}-', '宏', '宏'),
    ('-{zh-cn:-{外}-层; zh-tw:外層}-', '外层', '外層'),                  # nested, inside out
    ('-{a|b}-', 'a|b', 'a|b'),                                          # not flags: text
    ('-{ H ; zh-cn |甲}-', '', ''),                                     # spaces around flags
    ('-{  zh-hans ;zh-hant |乙}-', '乙', '乙'),
    ('-{ 丙 =>  zh-cn : 丁 ;zh-tw:戊}-', '丁', '戊'),                    # spaces around a rule
])
def test_converter_markup_variants_flags_and_fallbacks(markup, simplified, traditional):
    assert resolve_converter_markup('甲' + markup + '乙', SIMPLIFIED) == ('甲%s乙' % simplified, markup.count('-{'))
    assert resolve_converter_markup('甲' + markup + '乙', TRADITIONAL)[0] == '甲%s乙' % traditional


def test_editors_choice_wins_over_opencc():
    """OpenCC alone turns zh-tw's 體 into 体; the zh-cn rule says 域."""
    text = '函数的定义-{zh-cn:域;zh-tw:體}-。'
    to_simplified = opencc.OpenCC('t2s').convert
    assert to_simplified(clean_text(text)) == '函数的定义域。'
    assert to_simplified(clean_text(text, CleaningOptions(markup_chain=None))) != '函数的定义域。'


def test_unmatched_markup_is_left_as_text():
    assert resolve_converter_markup('a -{ b', SIMPLIFIED) == ('a -{ b', 0)


def test_html_tags_comments_entities_and_non_tags():
    text = ('一<br/>二<p class="x">三</p>&lt;b&gt;粗&lt;/b&gt;&amp;lt;i&amp;gt;斜 &#20013;&#x6587;&nbsp;'
            '<ref name="a"/>引<ref>出处</ref>文<!-- 注释 --><script>var a;</script>尾 '
            'x<y>z <三国演义> a < b ?a=1&copy=2')
    cleaned, tags, entities = strip_html(text)
    assert cleaned == '一\n二\n三\n粗斜 中文\xa0引文尾 x<y>z <三国演义> a < b ?a=1&copy=2'
    assert entities == 11 and tags == 10


def test_elements_and_comments_left_open_stay_text():
    """An element ends at the first closing tag of its name, a comment at the first "-->"; without
    one, only the tags themselves go (the parsers are single passes, see test_linear_time.py)."""
    text = '甲<script>乙<!--丙<SCRIPT >丁</script >戊<!-- 己 -->庚<style/>辛</style>'
    assert strip_html(text) == ('甲戊庚辛', 4, 0)
    assert strip_html('甲<script>乙<!--丙') == ('甲乙<!--丙', 1, 0)


def test_addresses_glued_to_each_other_are_all_removed():
    """An address may start right where the previous one ended, inside a run of address characters."""
    assert clean_with_counts('信箱a@b.com1@c.cn和x.y@mail.example.org.cn2') == ('信箱和2', {'emails': 3})
    assert clean_with_counts('见a.b.c@d-e.f.gh.i') == ('见.i', {'emails': 1})


@pytest.mark.parametrize('wikitext, text', [
    ('甲<ref name=x>乙<ref/>丙</REF >丁<ref>戊', '甲丁戊'),          # the last <ref> is never closed
    ('== 历史 ===\n甲\n=== 参考文献 ===\n乙\n====\n丙', '甲\n\n丙'),  # "====": a level-2 heading
    ('=\n==\n=====\n甲', '=\n\n甲'),
    ('见[//a.cn  \u3000标 签 ]与[http://b.cn]和[//c.cn 丁', '见标 签 与和[//c.cn 丁'),
])
def test_wikitext_blocks_headings_and_external_links(wikitext, text):
    assert wikitext_to_text(wikitext) == text


@pytest.mark.parametrize('opening, closing, resolved, left', [
    ('{{a|', '}}', '甲', '甲{{a|}}'),
    ('{{{a|', '}}}', '甲', '甲{}'),  # the "{{{a|}}}" left is read as "{", an empty template, "}"
    ('[[a|', ']]', '甲乙', '甲[[a|乙]]'),
])
def test_wikitext_nesting_deeper_than_the_limit_is_left_as_written(opening, closing, resolved, left):
    """Each level of nesting is a pass over the whole page: a bound keeps a hostile page linear."""
    assert wikitext_to_text('甲' + opening * MAX_NESTING + '乙' + closing * MAX_NESTING) == resolved
    assert wikitext_to_text('甲' + opening * (MAX_NESTING + 1) + '乙' + closing * (MAX_NESTING + 1)) == left


def test_wikitext_decimal_reference_too_long_for_int_is_a_replacement_character():
    """html.unescape runs int() on the digits, which Python refuses past 4,300 digits."""
    text = '甲&#' + '9' * 5000 + ';乙&#' + '0' * 5000 + '20013;丙&#12345678丁&#65;'
    assert wikitext_to_text(text) == '甲\ufffd乙中丙\ufffd丁A'


def test_urls_and_emails_removed_or_kept():
    text = '联系 zhanghui@sina.com.cn 或访问http://www.sina.com.cn/a?b=1&c=2新浪，见www.baidu.com。'
    assert clean_with_counts(text) == ('联系 或访问新浪，见。', {'urls': 2, 'emails': 1})
    assert clean_text(text, CleaningOptions(urls='keep')) == text


def test_lost_paragraph_breaks_become_lines_single_spaces_stay():
    assert clean_text('第一段。\xa0\xa0\xa0\xa0第二段。\u3000\u3000第三段 共 3 个') == '第一段。\n第二段。\n第三段 共 3 个'


def test_counts_report_each_step():
    _, counts = clean_with_counts('-{zh-cn:网络;zh-tw:網路}-<br>&amp;\u200b见 http://a.cn')
    assert counts == {'converter_markup': 1, 'html_tags': 1, 'html_entities': 1, 'invisible_chars': 1,
                      'urls': 1}


def _zhwiki_texts():
    raw = shared_file('zhwiki/wiki_00.wikiextractor_doc_raw.txt').read_text(encoding='utf-8')
    docs = re.findall(r'<doc [^>]*>\n(.*?)</doc>', raw, re.S)
    lines = shared_file('zhwiki/wiki_00.wikiextractor_json_simplified.jsonl').read_text(encoding='utf-8')
    return docs + [json.loads(line)['text'] for line in lines.split('\n') if line.strip()]


def _cmrc_and_dureader_texts():
    cmrc = json.loads(shared_file('cmrc2018/cmrc2018_trial.json').read_text(encoding='utf-8'))
    texts = [item['context_text'] for item in cmrc]
    for line in shared_file('qa/dureader2_demo_search.dev.json').read_text(encoding='utf-8').split('\n'):
        if line.strip():
            texts += [p for page in json.loads(line)['documents'] for p in page['paragraphs']]
    return texts


def test_no_markup_or_html_survives_in_real_corpora():
    texts = _zhwiki_texts() + _cmrc_and_dureader_texts()
    before = sum(len(MARKUP.findall(t)) for t in texts), sum(len(HTML_TAG.findall(t)) for t in texts)
    assert before[0] > 150 and before[1] > 10  # 74 + 74 in zhwiki, 27 in CMRC; <br>, <nowiki>, <pre>...
    for text in texts:
        cleaned = clean_text(text)
        assert not MARKUP.search(cleaned), cleaned[:200]
        assert not HTML_TAG.search(cleaned), cleaned[:200]
        assert '&nbsp;' not in cleaned and '&amp;' not in cleaned


def test_real_text_keeps_full_width_punctuation_and_its_characters():
    """Cleaning removes characters, never rewrites them: a cleaned doc is a subsequence of the raw one
    (modulo whitespace and resolved markup), and its full-width punctuation is all still there."""
    for text in _cmrc_and_dureader_texts()[:300]:
        cleaned = clean_text(text, CleaningOptions(markup_chain=None, strip_html=False, urls='keep'))
        for mark in '，。：；！？（）《》「」':
            assert cleaned.count(mark) == text.count(mark)
        squeeze = lambda s: re.sub(r'\s+', '', s)
        assert squeeze(cleaned) == squeeze(re.sub('[\u200b-\u200f\ufeff\u2060\u00ad]', '', text))


def test_cleaning_stage_cleans_counts_each_step_and_drops_what_is_left_empty():
    """CleanDocuments on made-up documents: the text is cleaned, each step's changes are counted,
    a document of markup alone is dropped as ``empty`` with its original text as the sample."""
    import apache_beam as beam
    from apache_beam.testing import test_pipeline
    from apache_beam.testing.util import assert_that, equal_to
    from schemas.records import Document, Dropped
    from transforms.clean_documents import EMPTY, CleanDocuments

    page = Document('web.txt:0', 'web.txt', '<p>今天天气很好。</p>详见 http://example.com/a')
    markup = Document('web.txt:1', 'web.txt', '<br>&nbsp;<!-- 空 -->')
    with test_pipeline.TestPipeline() as pipeline:
        outputs = pipeline | beam.Create([page, markup]) | CleanDocuments()
        assert_that(outputs.documents, equal_to([page._replace(text='今天天气很好。\n详见')]), label='Kept')
        assert_that(outputs.dropped, equal_to([Dropped(EMPTY, markup.doc_id, markup.source, markup.text)]),
                    label='Dropped')
        assert_that(outputs.stats | beam.CombinePerKey(sum), equal_to(
            [('cleaning.html_tags', 4), ('cleaning.html_entities', 1), ('cleaning.urls', 1)]), label='Stats')
