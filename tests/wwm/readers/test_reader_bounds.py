"""Issue 31 for the input readers: every reader holds a bounded amount whatever the input (one line,
one document of --max_document_chars, one JSON record, JSON nesting of MAX_JSON_DEPTH), encodings
are detected where one bad byte or an ASCII head used to lose a whole file, a damaged compressed
file keeps everything before the damage, JSON arrays are records, CR-only line ends are line ends,
Sogou records are found in any wrapper, and nothing is counted twice.

Each case is built here; the memory cases run the reader in a child process under an address-space
cap (resource.RLIMIT_AS) over the cap it needed after its imports.
"""
import collections
import gzip
import hashlib
import json
import lzma
import random
import re
import subprocess
import sys
import textwrap
import time
import zlib

import pytest
import zstandard

from schemas.records import Document, Dropped
from schemas.sources import ReadSpec
from tests.conftest import ROOT, shared_file
from wwm.readers.document_files import FileReport, read_documents

SENTENCES = ['青溪镇是一座江南水乡小镇，位于清河下游的冲积平原上。', '镇上的传统建筑保存完好，有明清两代的民居。',
             '当地的软件产业近年发展迅速，吸引了许多年轻人回乡创业！', '铁路在镇北设站，车程约一小时？']


def _documents(count: int, first: int = 0) -> list:
    """``count`` documents of two or three sentence lines, each different."""
    return ['第%d篇\n%s\n%s' % (n, SENTENCES[n % 4], SENTENCES[(n + 1) % 4] * (1 + n % 2))
            for n in range(first, first + count)]


def _plain(documents, line_end='\n') -> str:
    return (line_end * 2).join(d.replace('\n', line_end) for d in documents) + line_end


def _read(path, spec=ReadSpec(), name=None):
    report = FileReport()
    return list(read_documents(str(path), name or path.name, spec, report)), report


def _outcome(record) -> str:
    return record.reason if isinstance(record, Dropped) else record.text


def _texts(records):
    return [r.text for r in records if isinstance(r, Document)]


def _reasons(records):
    return collections.Counter(r.reason for r in records if isinstance(r, Dropped))


_CAPPED = '''
import json, resource, sys
sys.path.insert(0, %r)
import apache_beam.io.filesystems  # the job reads with Beam loaded (wwm.filesystems imports it on first use)
from wwm.readers.document_files import FileReport, read_documents
from schemas.sources import ReadSpec


def vm_bytes():
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmSize:'):
                return int(line.split()[1]) << 10
%s
cap = vm_bytes() + (%d << 20)
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
print(json.dumps(main(*sys.argv[1:])))
'''


def _run_capped(script: str, headroom_mb: int, *args, timeout=120):
    """Runs ``script`` (defining ``main(*args)``, whose result is printed as JSON) in a child whose
    address space may grow ``headroom_mb`` MiB over what it holds after its imports."""
    code = _CAPPED % (str(ROOT), textwrap.dedent(script), headroom_mb)
    done = subprocess.run([sys.executable, '-c', code, *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, cwd=str(ROOT))
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# Bounded documents (--max_document_chars)

NOVEL_BYTES = 64 << 20


def test_text_without_blank_lines_is_cut_while_read_in_bounded_memory(tmp_path):
    """64 MiB of sentence lines and no blank line: one document of 22 M characters was held whole
    (100 MB took 11 GB in the job). It leaves in pieces of at most 1,000,000 characters, cut at line
    breaks, with the reader's address space growing less than 64 MiB."""
    line = ''.join(SENTENCES) + '\n'
    block = (line * (1 << 20 // len(line.encode('utf-8')))).encode('utf-8')
    path = tmp_path / 'novel.txt'
    with open(path, 'wb') as handle:
        for _ in range(NOVEL_BYTES // len(block)):
            handle.write(block)
    text_chars = len(line) * (1 << 20 // len(line.encode('utf-8'))) * (NOVEL_BYTES // len(block))
    result = _run_capped('''
        def main(path):
            import hashlib
            report, digest, lengths, ids = FileReport(), hashlib.sha256(), [], []
            for document in read_documents(path, 'novel.txt', ReadSpec(), report):
                digest.update(document.text.encode('utf-8') + b'\\n')
                lengths.append(len(document.text))
                ids.append(document.doc_id)
            return {'lengths': lengths, 'ids': ids, 'sha256': digest.hexdigest(),
                    'split': report.documents_split, 'added': report.document_pieces_added}
    ''', 64, path)
    lengths = result['lengths']
    assert max(lengths) <= 1_000_000 and min(lengths[:-1]) > 1_000_000 - len(line)  # greedy
    assert sum(lengths) + len(lengths) - 1 == text_chars - 1  # less the line breaks cut at
    assert result['ids'] == ['novel.txt:0'] + ['novel.txt:0~%d' % k for k in range(1, len(lengths))]
    assert (result['split'], result['added']) == (1, len(lengths) - 1)
    # the pieces joined by the line breaks they were cut at are the file
    assert result['sha256'] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_pieces_end_at_line_breaks_else_sentence_ends_else_the_limit():
    from wwm.readers.pieces import cut
    assert cut('甲乙丙\n丁戊', 5) == ['甲乙丙', '丁戊']
    assert cut('甲乙丙\n丁戊', 6) == ['甲乙丙\n丁戊']
    # no line break within the limit: after the last sentence end, with its closing quote
    assert cut('他说：“好。”然后走了很远很远', 8) == ['他说：“好。”', '然后走了很远很远']
    assert cut('他说：“好。”然后走了很远很远了', 8) == ['他说：“好。”', '然后走了很远很远', '了']
    assert cut('一二三四五六七八九十', 4) == ['一二三四', '五六七八', '九十']
    text = '\n'.join(SENTENCES * 50) + '长' * 3000
    pieces = cut(text, 1000)
    assert all(len(piece) <= 1000 for piece in pieces)
    assert ''.join(pieces).replace('\n', '') == text.replace('\n', '')


def test_plain_text_pieces_are_those_of_the_whole_document(tmp_path):
    """Cutting while reading gives the pieces that cutting the finished document gives."""
    from wwm.readers.pieces import cut
    document = '\n'.join(SENTENCES[n % 4] * (1 + n % 7) + '长' * (n % 5 * 300) for n in range(200))
    path = tmp_path / 'a.txt'
    path.write_text('短文。\n\n' + document + '\n\n尾声。\n', encoding='utf-8')
    records, report = _read(path, ReadSpec(max_document_chars=1000))
    assert _texts(records) == ['短文。'] + cut(document, 1000) + ['尾声。']
    pieces = len(cut(document, 1000))
    assert [r.doc_id for r in records][:3] == ['a.txt:0', 'a.txt:1', 'a.txt:1~1']
    assert records[-1].doc_id == 'a.txt:2'
    assert (report.documents_split, report.document_pieces_added) == (1, pieces - 1)


def test_every_reader_cuts_long_documents(tmp_path):
    from wwm.readers.pieces import cut
    long_text = '。'.join(['第%d句话说了一些事情' % n for n in range(300)]) + '。'
    (tmp_path / 'a.jsonl').write_text(json.dumps({'text': long_text}, ensure_ascii=False) + '\n',
                                      encoding='utf-8')
    (tmp_path / 'a.tsv').write_text('体育\t' + long_text + '\n体育\t短\n', encoding='utf-8')
    (tmp_path / 'a.dat').write_text('<doc>\n<url>u</url>\n<contenttitle>题</contenttitle>\n'
                                    '<content>%s</content>\n</doc>\n' % long_text, encoding='utf-8')
    for name, fmt, expected in (('a.jsonl', 'jsonl', cut(long_text, 1000)),
                                ('a.tsv', 'thucnews', cut(long_text, 1000) + ['短']),
                                ('a.dat', 'sogou', cut('题\n' + long_text, 1000))):
        records, report = _read(tmp_path / name, ReadSpec(format=fmt, max_document_chars=1000))
        assert _texts(records) == expected, name
        assert records[1].doc_id == name + ':0~1' and report.documents_split == 1, name
    assert len(expected) == 5 and all(len(text) <= 1000 and text.endswith('。') for text in expected[1:])


def test_cutting_a_long_line_is_linear():
    from wwm.readers.pieces import cut
    text = 'a' * 2_000_000  # no line break, no sentence end: every piece searched to its limit
    started = time.perf_counter()
    pieces = cut(text, 1000)
    assert time.perf_counter() - started < 5
    assert len(pieces) == 2000 and ''.join(pieces) == text


# ---------------------------------------------------------------------------------------------
# JSON: nesting, arrays

def test_deeply_nested_squad_file_in_bounded_memory(tmp_path):
    """200 KB in SQuAD layout nested 100,000 deep drove ijson.items to 24 GB: the paragraph before
    the nesting is kept, the rest is one malformed_json, in bounded memory."""
    good = json.dumps({'context': '青溪镇是一座江南水乡小镇。', 'qas': []}, ensure_ascii=False)
    deep = '{"context": "x", "qas": ' + '[' * 100_000 + ']' * 100_000 + '}'
    path = tmp_path / 'deep.json'
    path.write_text('{"version": "1.1", "data": [{"title": "t", "paragraphs": [%s, %s]}]}'
                    % (good, deep), encoding='utf-8')
    result = _run_capped('''
        def main(path):
            records = list(read_documents(path, 'deep.json', ReadSpec(format='squad')))
            return [[type(r).__name__, getattr(r, 'reason', ''), getattr(r, 'sample', '')]
                    for r in records]
    ''', 256, path)
    assert [r[:2] for r in result] == [['Document', ''], ['Dropped', 'malformed_json']]
    assert 'nested deeper than 100' in result[1][2]
    assert _read(path)[1].format == 'squad'  # detection does not recurse into the nesting either


def test_deep_json_lines_are_counted_malformed(tmp_path):
    """A line nested 1,500 deep raised RecursionError and failed the job."""
    path = tmp_path / 'deep.jsonl'
    lines = ['{"text": "甲"}',
             '{"text": ' + '[' * 1500 + '"深"' + ']' * 1500 + '}',
             '{"text": "乙", "x": ' + '[' * 99 + ']' * 99 + '}',   # 100 deep: fine
             '{"text": "丙", "x": ' + '[' * 100 + ']' * 100 + '}',  # 101 deep
             json.dumps({'text': '[{' * 300 + '丁'}, ensure_ascii=False),  # brackets in a string
             json.dumps({'text': '戊"\\[', 'x': [[1]]}, ensure_ascii=False)]
    path.write_text('\n'.join(lines) + '\n', encoding='utf-8')
    records, _ = _read(path)
    assert [_outcome(r) for r in records] == [
        '甲', 'malformed_json', '乙', 'malformed_json', '[{' * 300 + '丁', '戊"\\[']
    assert [r.doc_id for r in records] == ['deep.jsonl:%d' % n for n in range(6)]


def test_json_array_elements_are_records(tmp_path):
    """A JSON array file: each physical line was a malformed_json."""
    elements = [{'text': '第一篇。'}, {'text': ['甲', '乙']}, 42, {'title': '无正文'},
                {'text': '第五篇。', 'meta': {'a': [1, 2]}}]
    path = tmp_path / 'array.json'
    path.write_text(json.dumps(elements, ensure_ascii=False, indent=2), encoding='utf-8')
    records, report = _read(path)
    assert report.format == 'jsonl'
    assert [(r.doc_id, _outcome(r)) for r in records] == [
        ('array.json:0', '第一篇。'), ('array.json:1', '甲\n乙'), ('array.json:2', 'malformed_json'),
        ('array.json:3', 'no_text_field'), ('array.json:4', '第五篇。')]
    # In GB18030, and cut short: the elements before the cut are kept.
    data = json.dumps(elements, ensure_ascii=False).encode('gb18030')
    (tmp_path / 'cut.json').write_bytes(data[:data.index('第五篇'.encode('gb18030'))])
    records, report = _read(tmp_path / 'cut.json')
    assert report.encoding == 'gb18030'
    assert _texts(records) == ['第一篇。', '甲\n乙'] and records[-1].reason == 'malformed_json'


def test_json_array_layouts_are_detected_and_bounded(tmp_path):
    dureader = [{'question': '问题？', 'answers': ['回答。'], 'documents': [{'paragraphs': ['段落。']}]}]
    (tmp_path / 'dureader.json').write_text(json.dumps(dureader, ensure_ascii=False), encoding='utf-8')
    records, report = _read(tmp_path / 'dureader.json')
    assert report.format == 'dureader' and _texts(records) == ['问题？\n回答。\n段落。']
    elements = [{'text': '长' * 5000}, {'text': '短。'}]
    (tmp_path / 'long.json').write_text(json.dumps(elements, ensure_ascii=False), encoding='utf-8')
    records, _ = _read(tmp_path / 'long.json', ReadSpec(max_line_bytes=1024))
    assert [_outcome(r) for r in records] == ['record_too_long', '短。']
    (tmp_path / 'deep.json').write_text('[{"text": "前。"}, ' + '[' * 5000 + ']' * 5000 + ']')
    records, _ = _read(tmp_path / 'deep.json')
    assert [_outcome(r) for r in records] == ['前。', 'malformed_json']


# ---------------------------------------------------------------------------------------------
# Encodings

def test_gb18030_file_with_one_bad_byte_keeps_its_documents(tmp_path):
    """One byte that decodes in no encoding made detection fall back to UTF-8: every document
    became mojibake (dropped later as low_cjk_fraction)."""
    documents = _documents(10)
    data = _plain(documents).encode('gb18030')
    bad = data.index('第3篇'.encode('gb18030')) + 3  # between 第3 and 篇
    (tmp_path / 'gb.txt').write_bytes(data[:bad] + b'\xff' + data[bad:])
    records, report = _read(tmp_path / 'gb.txt')
    assert (report.encoding, report.undecodable_lines) == ('gb18030', 1)
    texts = _texts(records)
    assert texts[:3] + texts[4:] == documents[:3] + documents[4:]
    assert texts[3].replace('\ufffd', '') == documents[3]


def test_gbk_text_after_an_ascii_head_is_decoded(tmp_path):
    """The first 256 KiB were ASCII, so detection saw no GBK byte and read the rest as UTF-8."""
    head = ''.join('ascii preamble line %06d: licence text\n' % n for n in range(8000))
    documents = _documents(5)
    (tmp_path / 'gbk.txt').write_bytes((head + '\n' + _plain(documents)).encode('gbk'))
    records, report = _read(tmp_path / 'gbk.txt')
    assert report.encoding == 'gb18030' and report.undecodable_lines == 0
    assert _texts(records)[1:] == documents


@pytest.mark.parametrize('encoding', ['utf-16', 'utf-16-be', 'utf-32'])
def test_utf16_and_utf32_with_a_byte_order_mark(tmp_path, encoding):
    documents = _documents(4)
    data = _plain(documents, '\r\n').encode(encoding)
    if encoding == 'utf-16-be':
        data = b'\xfe\xff' + data
    (tmp_path / 'wide.txt.gz').write_bytes(gzip.compress(data))
    records, report = _read(tmp_path / 'wide.txt.gz')
    assert report.encoding == encoding[:6] and _texts(records) == documents


def test_utf16_can_be_named(tmp_path):
    from wwm.readers.encodings import normalize_encoding
    assert normalize_encoding('UTF16') == normalize_encoding('utf_16') == 'utf-16'
    (tmp_path / 'a.jsonl').write_bytes('{"text": "汉字"}\n'.encode('utf-16'))
    records, _ = _read(tmp_path / 'a.jsonl', ReadSpec(encoding='utf-16'))
    assert _texts(records) == ['汉字']
    # Without a byte order mark: little-endian (Python's UTF-16 decoder raised on such a file).
    (tmp_path / 'b.txt').write_bytes('汉字\n'.encode('utf-16-le') + b'x')
    records, _ = _read(tmp_path / 'b.txt', ReadSpec(encoding='utf-16'))
    assert _texts(records) == ['汉字\n\ufffd']


def test_a_line_in_the_other_encoding_is_decoded_in_it(tmp_path):
    documents = _documents(6)
    lines = _plain(documents).split('\n')
    data = b'\n'.join(line.encode('gbk' if number == 4 else 'utf-8') for number, line in enumerate(lines))
    (tmp_path / 'mixed.txt').write_bytes(data)
    records, report = _read(tmp_path / 'mixed.txt')
    assert (report.encoding, report.undecodable_lines) == ('utf-8', 0)
    assert _texts(records) == documents
    records, report = _read(tmp_path / 'mixed.txt', ReadSpec(encoding='utf-8'))
    assert report.undecodable_lines == 1  # a named encoding has no fallback


def test_encoding_detection_counts_errors():
    from wwm.readers.encodings import detect_encoding
    text = _plain(_documents(20))
    gb, utf8 = text.encode('gb18030'), text.encode('utf-8')
    assert detect_encoding(gb[:300] + b'\xff' + gb[300:], True) == 'gb18030'
    assert detect_encoding(utf8[:300] + b'\xff' + utf8[300:], True) == 'utf-8'
    assert detect_encoding(b'\xff\xfe\x00\x00' + text.encode('utf-32-le'), True) == 'utf-32'
    assert detect_encoding(b'\xfe\xff' + text.encode('utf-16-be'), True) == 'utf-16'


# ---------------------------------------------------------------------------------------------
# Damaged compressed files

def _zstd_blocks(data: bytes) -> bytes:
    """zstd as a streaming writer makes it: a block every KiB."""
    compressor = zstandard.ZstdCompressor().compressobj()
    parts = []
    for start in range(0, len(data), 1024):
        parts += [compressor.compress(data[start:start + 1024]),
                  compressor.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)]
    return b''.join(parts + [compressor.flush()])


@pytest.mark.parametrize('suffix, compress, decompressor', [
    ('.gz', gzip.compress, lambda: zlib.decompressobj(wbits=31)),
    ('.xz', lzma.compress, lzma.LZMADecompressor),
    ('.zst', _zstd_blocks, lambda: zstandard.ZstdDecompressor().decompressobj())])
def test_truncated_file_keeps_every_document_before_the_cut(tmp_path, suffix, compress, decompressor):
    """The last 100 bytes cut from a 200-document gzip file: 85 documents were read (the bytes of
    the last 1 MiB read call were lost) where gzip -dc recovers 199."""
    documents = _documents(200)
    data = compress(_plain(documents).encode('utf-8'))[:-100]
    (tmp_path / ('news.txt' + suffix)).write_bytes(data)
    recovered = decompressor().decompress(data)  # what gzip -dc and the like get out of it
    complete = recovered.decode('utf-8', 'ignore').count('\n\n')
    records, _ = _read(tmp_path / ('news.txt' + suffix))
    assert complete >= 150 and _texts(records) == documents[:complete]
    assert _reasons(records) == {'truncated_document': 1, 'unreadable_file': 1}
    assert records[-2].doc_id == 'news.txt%s:%d' % (suffix, complete)
    assert records[-1].offset == len(recovered)
    assert records[-1].sample.endswith('ends inside a member (truncated file?); decompressed up to '
                                       'byte %d; the compressed file ends at byte %d'
                                       % (len(recovered), len(data)))


def test_damaged_member_keeps_the_members_before(tmp_path):
    documents = _documents(20)
    first = (_plain(documents[:20]) + '\n').encode('utf-8')  # ends in a blank line
    noise = random.Random(5)  # a second member of 250 KB that gzip cannot shrink much
    second = _plain(''.join(chr(noise.randrange(0x4e00, 0x9fa5)) for _ in range(100))
                    for _ in range(800)).encode('utf-8')
    damaged = bytearray(gzip.compress(second))
    damaged[len(damaged) // 2:len(damaged) // 2 + 8] = b'\xff' * 8
    data = gzip.compress(first) + bytes(damaged)
    (tmp_path / 'two.txt.gz').write_bytes(data)
    records, _ = _read(tmp_path / 'two.txt.gz')
    assert _texts(records)[:20] == documents[:20]
    unreadable = records[-1]
    assert unreadable.reason == 'unreadable_file' and unreadable.offset >= len(first)
    start, end, left = map(int, re.search(r'the damage lies in compressed bytes (\d+)-(\d+), (\d+) '
                                          r'bytes after them left unread', unreadable.sample).groups())
    assert 0 < start <= len(data) - len(damaged) // 2 < end == len(data) - left and left > 0


# ---------------------------------------------------------------------------------------------
# Line ends, record layouts, counting once

def test_cr_only_line_ends_are_line_ends(tmp_path):
    documents = _documents(3)
    (tmp_path / 'mac.txt').write_bytes(_plain(documents, '\r').encode('utf-8'))
    records, report = _read(tmp_path / 'mac.txt')
    assert _texts(records) == documents and report.lines_read == 3 * 4 - 1


def test_wikiextractor_doc_with_a_line_too_long_is_one_record(tmp_path):
    path = tmp_path / 'wiki_00'
    path.write_text('<doc id="1" url="u" title="甲">\n甲\n%s\n短行。\n</doc>\n'
                    '<doc id="2" url="u" title="乙">\n乙\n正文。\n</doc>\n' % ('长' * 2000), encoding='utf-8')
    records, report = _read(path, ReadSpec(max_line_bytes=1024))
    assert report.format == 'wikiextractor'
    assert [(r.doc_id, _outcome(r)) for r in records] == [
        ('wiki_00:0', 'record_too_long'), ('wiki_00:1', '乙\n正文。')]


@pytest.mark.parametrize('before, after', [
    ('<doclist>\n', '</doclist>\n'),
    ('<?xml version="1.0" encoding="gb2312"?>\n<doclist>', '</doclist>')])
def test_sogou_records_are_found_in_any_wrapper(tmp_path, before, after):
    """SogouCA wraps the records in <doclist>: the file was read as one plain-text document."""
    raw = shared_file('news/sogoucs_news_sohusite_xml.smarty.gbk.dat').read_bytes()
    records = re.findall(rb'<doc>.*?</doc>', raw, re.S)[:12]
    (tmp_path / 'docs.dat').write_bytes(b'<docs>\r\n' + b'\r\n'.join(records) + b'\r\n</docs>\r\n')
    (tmp_path / 'other.dat').write_bytes(before.encode() + b'\r\n'.join(records) + after.encode())
    expected, report = _read(tmp_path / 'docs.dat', name='same')
    found, other = _read(tmp_path / 'other.dat', name='same')
    assert report.format == other.format == 'sogou'
    assert [(r.doc_id, _outcome(r)) for r in found] == [(r.doc_id, _outcome(r)) for r in expected]
    assert len(expected) == 12 and len(_texts(expected)) == 9


# ---------------------------------------------------------------------------------------------
# Counts for the manifest

def test_read_stage_counts_lines_per_source_and_pieces(tmp_path):
    from schemas.sources import InputFile
    from transforms.keep_or_drop import Count
    from transforms.read_documents import parse_file
    lines = _plain(_documents(5)).encode('utf-8').split(b'\n')[:-1]
    lines[1] += b'\xff'
    (tmp_path / 'a.txt').write_bytes(b'\n'.join(lines) + b'\n')
    spec = ReadSpec(max_document_chars=1000)
    (tmp_path / 'b.txt').write_text('长' * 2500 + '\n', encoding='utf-8')
    stats = collections.Counter()
    for name in ('a.txt', 'b.txt'):
        for output in parse_file(InputFile(str(tmp_path / name), name, spec)):
            if isinstance(output, Count):
                stats[output.name] += output.value
    assert {name: value for name, value in stats.items() if 'lines' in str(name)} == {
        'lines_read': len(lines) + 1, 'undecodable_lines': 1,
        ('source', 'a.txt', 'lines_read'): len(lines), ('source', 'a.txt', 'undecodable_lines'): 1,
        ('source', 'b.txt', 'lines_read'): 1, ('source', 'b.txt', 'undecodable_lines'): 0}
    assert (stats['documents_split'], stats['document_pieces_added']) == (1, 2)


def test_files_losing_lines_are_warned_about(capsys):
    from beam_jobs.build_pretraining_data import summary
    from schemas.manifest import SOURCE_KEY, build_manifest
    counts = []
    for source, lines_read, bad in (('lossy.txt', 400, 5), ('fine.txt', 400, 4), ('empty.txt', 0, 0)):
        counts += [((SOURCE_KEY, source, 'lines_read'), lines_read),
                   ((SOURCE_KEY, source, 'undecodable_lines'), bad)]
    manifest = build_manifest({}, {}, counts, 'static', {}, [])
    assert len(manifest['warnings']) == 1 and manifest['warnings'][0].startswith('lossy.txt: 5 of 400')
    summary(manifest)
    err = capsys.readouterr().err
    assert 'lossy.txt' in err and 'fine.txt' not in err and len(err.splitlines()) == 1


def test_max_document_chars_option():
    from beam_jobs.config import InputSettings
    from beam_jobs.failures import UsageError
    from beam_jobs.options import PretrainingDataOptions, parse_options

    def spec(*args):
        return InputSettings.from_options(parse_options(['--input', 'x', '--output_dir', 'y', *args])
                                          .view_as(PretrainingDataOptions)).read_spec
    assert spec().max_document_chars == 1_000_000
    assert spec('--max_document_chars', '5000').max_document_chars == 5000
    with pytest.raises(UsageError, match='--max_document_chars must be at least 1000'):
        spec('--max_document_chars', '999')
