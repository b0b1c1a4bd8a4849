"""Cleaning: converter markup, HTML, URLs/e-mails, whitespace; on exact cases and on the real corpora."""
import json
import re

import opencc
import pytest

from tests.conftest import shared_file
from wwm.converter_markup import SIMPLIFIED, TRADITIONAL, resolve_converter_markup
from wwm.html_text import strip_html
from wwm.text_cleaning import CleaningOptions, clean_text, clean_with_counts

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
