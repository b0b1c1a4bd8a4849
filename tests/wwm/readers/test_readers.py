"""Every input format read from the real corpora in ../shared/data (expected counts from their
SOURCE.txt files or counted independently here), the raw wiki dump in tests/data, encodings,
compression, malformed input, and lines too long to hold."""
import bz2
import collections
import gzip
import json
import lzma
import re
import tracemalloc
import zlib

import pytest
import zstandard

from schemas.records import Document, Dropped
from schemas.sources import ReadSpec
from tests.conftest import DEMO_CORPUS, ROOT, shared_file
from wwm.readers.document_files import FileReport, read_documents
from wwm.readers.encodings import detect_encoding

WIKI_DUMP = ROOT / 'tests' / 'data' / 'zhwiki-sample-pages-articles.xml'
# Markup that must not survive the wiki readers (-{...}- converter markup is resolved by cleaning).
WIKI_MARKUP = re.compile(r"\[\[|\]\]|\{\{|\}\}|''|<ref|</|<br|\{\||\|\}|^=+|__[A-Z]+__|"
                         r"Category:|分类:|File:|thumb\||&[a-z]+;", re.MULTILINE)


def _read(path, spec=ReadSpec(), name=None):
    report = FileReport()
    records = list(read_documents(str(path), name or path.name, spec, report))
    return records, report


def _split(records):
    documents = [r for r in records if isinstance(r, Document)]
    dropped = collections.Counter(r.reason for r in records if isinstance(r, Dropped))
    return documents, dropped


@pytest.mark.parametrize('relative, fmt, documents', [
    ('zhwiki/wiki_00.wikiextractor_doc_raw.txt', 'wikiextractor', 64),
    ('zhwiki/wiki_00.wikiextractor_json_simplified.jsonl', 'wikiextractor', 64),
    ('news/thucnews_cnews_1000.txt', 'thucnews', 1000),
    ('cmrc2018/cmrc2018_trial.json', 'squad', 256),
    ('cmrc2018/cmrc2018_trial.squad.json', 'squad', 256),
    ('drcd/DRCD_test.json', 'squad', 1000),
    ('qa/dureader2_demo_search.dev.json', 'dureader', 100),
])
def test_real_corpus_document_counts_and_detected_format(relative, fmt, documents):
    records, report = _read(shared_file(relative))
    assert report.format == fmt and report.encoding == 'utf-8'
    found, dropped = _split(records)
    assert len(found) == documents and not dropped
    assert len({d.doc_id for d in found}) == documents
    assert not any('\r' in d.text for d in found)


def test_sogou_gb18030_pseudo_xml():
    path = shared_file('news/sogoucs_news_sohusite_xml.smarty.gbk.dat')
    records, report = _read(path)
    assert (report.format, report.encoding, report.undecodable_lines) == ('sogou', 'gb18030', 0)
    documents, dropped = _split(records)
    # SOURCE.txt: 200 docs, 36 with empty <content></content>.
    assert len(documents) == 164 and dropped == {'empty_content': 36}
    raw = path.read_bytes().decode('gb18030')
    titles = re.findall(r'<contenttitle>(.*?)</contenttitle>', raw)
    assert len(titles) == 200
    assert [d.text.split('\n', 1)[0] for d in documents] == [
        t for t, c in zip(titles, re.findall(r'<content>(.*?)</content>', raw)) if c.strip()]
    assert documents[0].text.startswith('深圳地铁将设立ＶＩＰ头等车厢\u3000买双倍票可享坐票\n南都讯')
    assert not any('\r' in d.text or '<content>' in d.text for d in documents)
    empty = [r for r in records if isinstance(r, Dropped)][0]
    assert empty.offset > 0 and raw.encode('gb18030')[empty.offset:].startswith(b'<doc>')


def test_wikiextractor_keeps_text_and_converter_markup():
    for relative in ('zhwiki/wiki_00.wikiextractor_doc_raw.txt',
                     'zhwiki/wiki_00.wikiextractor_json_simplified.jsonl'):
        documents, _ = _split(_read(shared_file(relative))[0])
        text = '\n'.join(d.text for d in documents)
        assert text.count('-{') == 74  # SOURCE.txt: 74 converter fragments, left for cleaning
        assert '<doc' not in text and '</doc>' not in text
        assert documents[0].text.startswith('数学\n\n数学是利用符号语言研究')


@pytest.mark.parametrize('relative, questions', [
    ('cmrc2018/cmrc2018_trial.squad.json', 1002), ('cmrc2018/cmrc2018_trial.json', 1002),
    ('drcd/DRCD_test.json', 3493)])
def test_squad_documents_hold_context_and_questions(relative, questions):
    path = shared_file(relative)
    documents, _ = _split(_read(path)[0])
    data = json.loads(path.read_text(encoding='utf-8'))
    paragraphs = data if isinstance(data, list) else [p for a in data['data'] for p in a['paragraphs']]
    found = 0
    for document, paragraph in zip(documents, paragraphs, strict=True):
        context = paragraph.get('context', paragraph.get('context_text'))
        assert document.text.startswith(context + '\n')
        lines = document.text[len(context) + 1:].split('\n')
        found += sum(qa.get('question', qa.get('query_text')) in lines for qa in paragraph['qas'])
    assert found == questions


def test_dureader_documents_hold_question_answers_and_paragraphs():
    path = shared_file('qa/dureader2_demo_search.dev.json')
    documents, _ = _split(_read(path)[0])
    paragraphs = 0
    for document, line in zip(documents, path.read_text(encoding='utf-8').split('\n'), strict=False):
        record = json.loads(line)
        assert document.text.startswith(record['question'] + '\n')
        for page in record['documents']:
            paragraphs += sum(p in document.text for p in page['paragraphs'])
    assert paragraphs == 3639  # SOURCE.txt


def test_raw_wiki_dump_articles_and_reasons(tmp_path):
    dump = tmp_path / 'zhwiki-pages-articles.xml.bz2'
    dump.write_bytes(bz2.compress(WIKI_DUMP.read_bytes()))
    records, report = _read(dump)
    assert report.format == 'wiki_xml'
    assert len(records) == WIKI_DUMP.read_text(encoding='utf-8').count('<page>') == 7
    assert [getattr(r, 'reason', 'kept') for r in records] == [
        'kept', 'redirect', 'disambiguation', 'not_main_namespace', 'kept', 'redirect',
        'not_main_namespace']
    raw = WIKI_DUMP.read_bytes()
    assert all(raw[r.offset:].startswith(b'<page>') for r in records if isinstance(r, Dropped))
    assert records[0].text == (
        '青溪镇\n\n'
        '青溪镇（Qingxi Town）是一座虚构的江南水乡小镇，位于清河下游的冲积平原上。全镇面积约42平方公里，'
        '常住人口约3.6万人。\n\n'
        '镇上的传统建筑保存完好，有明清两代的民居，详见青溪镇官方网站和。\n\n'
        '青溪镇的历史可以追溯到南宋年间。当地的-{zh-cn:软件;zh-tw:軟體}-产业近年发展迅速。\n'
        '南宋：建镇\n明代：商业兴盛\n清代：修建石拱桥\n\n'
        '镇上有公路与省城相连，车程约一小时。\n铁路在镇北设站。')
    assert records[4].text == (
        '清河鎮中學\n\n'
        '清河鎮中學是青溪鎮唯一的一所中學，創辦於1952年。學校佔地約80畝\u00a0，現有學生1200人。\n\n'
        '學校設有圖書館和實驗室，並與省城的大學合作開設課程。\n'
        '學生每年參加全國中學生運動會並多次獲獎。\n\n校歌\n《清河之歌》')


def test_no_wiki_markup_survives_the_wiki_readers():
    texts = [d.text for d in _split(_read(WIKI_DUMP)[0])[0]]
    assert not any(re.search(r'^[*#:;]', text, re.MULTILINE) for text in texts)  # list markers
    texts += [d.text for d in _split(_read(shared_file('zhwiki/wiki_00.wikiextractor_doc_raw.txt'))[0])[0]]
    assert len(texts) == 66
    leftovers = [m.group(0) for text in texts for m in WIKI_MARKUP.finditer(text)]
    assert not leftovers
    assert WIKI_MARKUP.search(WIKI_DUMP.read_text(encoding='utf-8'))  # the pattern does find markup


def test_malformed_xml_keeps_the_pages_before(tmp_path):
    raw = WIKI_DUMP.read_bytes()
    cut = raw.index(b'<page>', raw.index(b'<title>Template:')) + 40
    path = tmp_path / 'cut.xml'
    path.write_bytes(raw[:cut] + b'<<broken')
    records, _ = _read(path)
    assert [getattr(r, 'reason', 'kept') for r in records] == [
        'kept', 'redirect', 'disambiguation', 'not_main_namespace', 'malformed_xml']
    assert cut <= records[-1].offset <= cut + 2


def test_malformed_squad_json_keeps_the_paragraphs_before(tmp_path):
    raw = shared_file('drcd/DRCD_test.json').read_bytes()
    path = tmp_path / 'cut.json'
    path.write_bytes(raw[:len(raw) // 2] + b'}}}')
    documents, dropped = _split(_read(path)[0])
    assert 400 < len(documents) < 600 and dropped == {'malformed_json': 1}


@pytest.mark.parametrize('compress, suffix', [
    (gzip.compress, '.gz'), (bz2.compress, '.bz2'), (zstandard.ZstdCompressor().compress, '.zst')])
def test_compressed_files_read_like_the_original(tmp_path, compress, suffix):
    original = shared_file('news/sogoucs_news_sohusite_xml.smarty.gbk.dat')
    path = tmp_path / ('sogou.dat' + suffix)
    path.write_bytes(compress(original.read_bytes()))
    records, report = _read(path, name='same')
    assert (report.format, report.encoding) == ('sogou', 'gb18030')
    assert records == _read(original, name='same')[0]


@pytest.mark.parametrize('compress, decompressor, suffix', [
    (gzip.compress, lambda: zlib.decompressobj(wbits=31), '.gz'),
    (bz2.compress, bz2.BZ2Decompressor, '.bz2'),
    (lzma.compress, lzma.LZMADecompressor, '.xz'),
    (zstandard.ZstdCompressor().compress, lambda: zstandard.ZstdDecompressor().decompressobj(), '.zst')])
def test_truncated_compressed_file_keeps_every_complete_line(tmp_path, compress, decompressor, suffix):
    original = shared_file('news/thucnews_cnews_1000.txt').read_bytes()
    data = compress(original)
    path = tmp_path / ('thucnews.txt' + suffix)
    path.write_bytes(data[:len(data) // 2])
    decodable = decompressor().decompress(data[:len(data) // 2])  # what the cut file still holds
    records = _read(path)[0]
    documents, dropped = _split(records)
    assert dropped == {'truncated_document': 1, 'unreadable_file': 1}
    assert len(documents) == decodable.count(b'\n') > 100
    assert [d.text for d in documents] == [
        line.split('\t', 1)[1] for line in original.decode('utf-8').split('\n')[:len(documents)]]
    partial, unreadable = records[-2:]
    assert partial.reason == 'truncated_document' and partial.doc_id == 'thucnews.txt%s:%d' % (
        suffix, len(documents))
    assert decodable.decode('utf-8', errors='ignore').endswith(partial.sample[-50:])
    assert unreadable.reason == 'unreadable_file' and unreadable.offset == len(decodable)
    assert 'decompressed up to byte %d' % len(decodable) in unreadable.sample


def test_encoding_detection_and_override(tmp_path):
    text = '第一段：汉字与標點。\n\n第二段。\n'
    assert detect_encoding(text.encode('gb18030'), True) == 'gb18030'
    assert detect_encoding(text.encode('utf-8'), True) == 'utf-8'
    assert detect_encoding(b'\xef\xbb\xbf' + text.encode('utf-8'), True) == 'utf-8'
    # A character cut at the end of the sample is not an error.
    assert detect_encoding(text.encode('utf-8')[:4], False) == 'utf-8'
    (tmp_path / 'gbk.txt').write_bytes(text.replace('\n', '\r\n').encode('gbk'))
    records, report = _read(tmp_path / 'gbk.txt')
    assert report.encoding == 'gb18030' and [d.text for d in records] == ['第一段：汉字与標點。', '第二段。']
    records, report = _read(tmp_path / 'gbk.txt', ReadSpec(encoding='utf-8'))
    assert report.undecodable_lines == 2 and report.first_undecodable_offset == 0
    assert '\ufffd' in records[0].text


def test_cityu_bom_and_crlf_are_removed():
    records, report = _read(shared_file('sighan2005/cityu_test.utf8'))
    assert report.format == 'text' and len(records) == 1
    lines = records[0].text.split('\n')
    assert len(lines) == 1492 and lines[0] == '「練得銅皮鐵骨」露宿早慣蚊叮'  # SOURCE.txt: 1493 lines


def test_auto_detection_of_every_format(tmp_path):
    expected = {
        'zhwiki/wiki_00.wikiextractor_doc_raw.txt': 'wikiextractor',
        'zhwiki/wiki_00.wikiextractor_json_simplified.jsonl': 'wikiextractor',
        'news/thucnews_cnews_1000.txt': 'thucnews',
        'news/sogoucs_news_sohusite_xml.smarty.gbk.dat': 'sogou',
        'cmrc2018/cmrc2018_trial.json': 'squad',
        'cmrc2018/cmrc2018_trial.squad.json': 'squad',
        'drcd/DRCD_test.json': 'squad',
        'qa/dureader2_demo_search.dev.json': 'dureader',
        'sighan2005/pku_test.utf8': 'text',
    }
    for relative, fmt in expected.items():
        assert _read(shared_file(relative))[1].format == fmt, relative
    assert _read(DEMO_CORPUS / 'qa.jsonl')[1].format == 'jsonl'
    assert _read(DEMO_CORPUS / 'news.txt')[1].format == 'text'
    renamed = tmp_path / 'dump.bin'  # no .xml extension: the <mediawiki> root decides
    renamed.write_bytes(WIKI_DUMP.read_bytes())
    assert _read(renamed)[1].format == 'wiki_xml'


def test_json_lines_text_field_and_reasons(tmp_path):
    path = tmp_path / 'a.jsonl'
    path.write_text('{"body": {"content": "正文一"}}\n[1, 2]\n{"body": {"content": ["甲", "乙"]}}\n'
                    '{"other": 1}\n{broken\n', encoding='utf-8')
    records, _ = _read(path, ReadSpec(text_field='body.content'))
    assert [(r.doc_id, getattr(r, 'text', None), getattr(r, 'reason', None)) for r in records] == [
        ('a.jsonl:0', '正文一', None), ('a.jsonl:1', None, 'malformed_json'),
        ('a.jsonl:2', '甲\n乙', None), ('a.jsonl:3', None, 'no_text_field'),
        ('a.jsonl:4', None, 'malformed_json')]
    starts = [m.end() for m in re.finditer(b'\n', path.read_bytes())]
    assert [r.offset for r in records if isinstance(r, Dropped)] == [starts[0], starts[2], starts[3]]


@pytest.mark.parametrize('fmt', ['auto', 'text', 'jsonl', 'wiki_xml', 'wikiextractor', 'thucnews',
                                 'sogou', 'squad', 'dureader'])
def test_empty_file_gives_no_documents(tmp_path, fmt):
    (tmp_path / 'empty').write_bytes(b'')
    (tmp_path / 'blank.gz').write_bytes(gzip.compress(b'\r\n\n'))
    assert _read(tmp_path / 'empty', ReadSpec(format=fmt))[0] == []
    assert _read(tmp_path / 'blank.gz', ReadSpec(format=fmt))[0] == []


def test_a_50_mb_line_is_skipped_in_bounded_memory(tmp_path):
    path = tmp_path / 'huge.jsonl'
    block = b'x' * (1 << 20)
    with open(path, 'wb') as handle:
        handle.write('{"text": "之前"}\n'.encode('utf-8'))
        handle.write(b'{"text": "')
        for _ in range(50):
            handle.write(block)
        handle.write(b'"}\n')
        handle.write('{"text": "之后"}\n'.encode('utf-8'))
    tracemalloc.start()
    records, _ = _read(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    first_line = len('{"text": "之前"}\n'.encode('utf-8'))
    assert [getattr(r, 'text', None) for r in records] == ['之前', None, '之后']
    long_line = records[1]
    assert (long_line.reason, long_line.offset, long_line.doc_id) == (
        'line_too_long', first_line, 'huge.jsonl@%d' % first_line)
    assert '%d bytes' % ((50 << 20) + 12) in long_line.sample
    assert records[2].doc_id == 'huge.jsonl:2'
    assert peak < (8 << 20) + (3 << 20), peak  # the limit (8 MiB) plus a 1 MiB read chunk
    tracemalloc.start()
    assert len(_read(path, ReadSpec(max_line_bytes=1 << 16))[0]) == 3
    assert tracemalloc.get_traced_memory()[1] < 3 << 20
    tracemalloc.stop()


def test_a_record_longer_than_the_limit_is_skipped(tmp_path):
    path = tmp_path / 'sogou.dat'
    body = '正文' * 2000
    path.write_text('<doc>\n<contenttitle>甲</contenttitle>\n<content>%s</content>\n</doc>\n'
                    '<doc>\n<contenttitle>乙</contenttitle>\n<content>短</content>\n</doc>\n' % body,
                    encoding='utf-8')
    records, _ = _read(path, ReadSpec(max_line_bytes=4096))
    # One record for the long one (its line was counted as a second document before).
    assert [r.reason if isinstance(r, Dropped) else r.text for r in records] == [
        'record_too_long', '乙\n短']
