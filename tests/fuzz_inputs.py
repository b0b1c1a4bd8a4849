"""Fuzzing of the text passes and of the readers, with hypothesis. A script run by hand, not a test
of the suite (pytest does not collect it) nor a CI gate.

Run it from the repository root (hypothesis comes with the ``test`` extra, ``pip install -e .[test]``)::

    .venv/bin/python -m tests.fuzz_inputs --seconds 300               # both targets, half each
    .venv/bin/python -m tests.fuzz_inputs --target readers --seconds 600
    .venv/bin/python -m tests.fuzz_inputs --target text --seconds 60 --findings /tmp/findings

Targets, and what must hold for every generated input:

- ``text``: cleaning (under three option sets), HTML stripping, converter markup, wikitext
  conversion and the disambiguation check, boilerplate removal, the filters, sentence splitting,
  dedup's normal form.
  Each call returns its documented type, raises nothing, and ends within
  ``TEXT_SECONDS + SECONDS_PER_CHAR * len(text)`` (a timer signal stops one that hangs). Inputs:
  random Unicode; strings assembled from markup fragments (tags, comments, entities, templates,
  links, converter markup, headings, URLs, addresses, spaces, punctuation); such strings repeated
  into runs of up to ``MAX_RUN_CHARS`` characters, where a pass with quadratic time shows.
- ``readers``: ``wwm.readers.document_files.read_documents`` on bytes written to a temporary file: random
  bytes, and small valid files of every format mutated (bytes flipped, inserted, repeated or cut,
  hostile fragments such as deep nesting, BOMs, stray tags and undecodable bytes put in), encoded
  in UTF-8, GB18030 or UTF-16, read with ``auto`` or a given format and encoding, plain or
  compressed (every suffix wwm.readers.decompress handles, the compressed bytes possibly cut).
  Every record must be a Document (its text a str) or a Dropped, no exception may come out, and
  reading ends within ``READ_SECONDS``.

Each distinct failure (the pass or reader, the exception's type and the line of the project that
raised it) is shrunk by hypothesis to a small input, printed, and its input is written to the
``--findings`` folder (``<n>.txt`` for a text pass, ``<n><suffix>`` with the file's own name for a
reader, plus ``<n>.json`` saying how it was read); the run then goes on looking for other failures.
The exit status is 1 when there was a finding, else 0.
"""
import argparse
import bz2
import collections
import contextlib
import gzip
import json
import lzma
import os
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

import zstandard
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from schemas.records import Document, Dropped
from schemas.sources import FORMATS, ReadSpec
from tests.conftest import ROOT
from wwm.text.boilerplate import BoilerplateResult, remove_boilerplate
from wwm.text.converter_markup import TRADITIONAL, resolve_converter_markup
from wwm.dedup import normalize
from wwm.readers.document_files import read_documents
from wwm.text.filters import FilterThresholds, Rejection, rejection
from wwm.text.html import strip_html
from wwm.readers.decompress import SUFFIXES
from wwm.readers.encodings import ENCODINGS
from wwm.readers.wikitext import is_disambiguation, wikitext_to_text
from wwm.text.sentences import split_sentences
from wwm.text.cleaning import CleaningOptions, clean_with_counts

TEXT_SECONDS = 2.0
SECONDS_PER_CHAR = 10e-6   # 1 s more per 100,000 characters: 5x what the slowest pass needs
READ_SECONDS = 30.0
MAX_RUN_CHARS = 100_000
MAX_FILE_BYTES = 1 << 20
BATCH_EXAMPLES = 100


class TooSlow(Exception):
    pass


@contextlib.contextmanager
def _deadline(seconds: float):
    """Raise TooSlow in the calling code once ``seconds`` have passed."""
    def expire(signum, frame):
        raise TooSlow('still running after %.1f s' % seconds)
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- text passes ------------------------------------------------------------------------------

def _is_cleaned(result) -> bool:
    text, counts = result
    return isinstance(text, str) and all(isinstance(count, int) and count > 0 for count in counts.values())


def _is_text_and_counts(result) -> bool:
    return isinstance(result[0], str) and all(isinstance(count, int) for count in result[1:])


TEXT_PASSES = (  # (name, function, whether its result has the documented type)
    ('clean_with_counts', clean_with_counts, _is_cleaned),
    ('clean_with_counts(traditional, html and urls kept)',
     lambda text: clean_with_counts(text, CleaningOptions(TRADITIONAL, strip_html=False, urls='keep')), _is_cleaned),
    ('clean_with_counts(markup kept)', lambda text: clean_with_counts(text, CleaningOptions(None)), _is_cleaned),
    ('strip_html', strip_html, _is_text_and_counts),
    ('resolve_converter_markup', resolve_converter_markup, _is_text_and_counts),
    ('wikitext_to_text', wikitext_to_text, lambda result: isinstance(result, str)),
    ('is_disambiguation', lambda text: is_disambiguation(text[:20], text), lambda result: isinstance(result, bool)),
    ('remove_boilerplate', remove_boilerplate,
     lambda result: isinstance(result, BoilerplateResult) and isinstance(result.text, str)),
    ('rejection', lambda text: rejection(text, FilterThresholds()),
     lambda result: result is None or isinstance(result, Rejection)),
    ('split_sentences', split_sentences,
     lambda result: all(isinstance(piece, str) and piece and piece == piece.strip() for piece in result)),
    ('dedup normalize', normalize, lambda result: isinstance(result, str)),
)

FRAGMENTS = (
    '<', '>', '/', '</', '<!--', '-->', '<script>', '</script>', '<SCRIPT a="1">', '<style/>', '</style >',
    '<p class="x">', '<br/>', '<ſpan>', '<b', '<ref>', '</ref>', '<ref name=a/>', '<ref', '<references/>',
    '<math>', '</math>', '<![CDATA[', ']]>', '<!DOCTYPE html>', '&amp;', '&lt;', '&gt;', '&#20013;',
    '&#x4e2d;', '&#0;', '&#' + '9' * 12, '&#' + '0' * 30 + '65;', '&', '#', ';', ':', '|', '=', '==', '===',
    '{{', '}}', '{', '}', '{{{', '}}}', '{|', '|}', '[[', ']]', '[', ']', '[//', '[http://', 'http://',
    'https://a.cn/', 'www.', '@', '.', '..', 'a.', 'com', 'x@y.cn', 'a-', '-{', '}-', 'zh-cn:', 'zh-tw:',
    'zh-hans;zh-hant|', 'R|', 'H|', 'A|', '=>', 'lang|en|', 'nowrap|', 'File:', 'Category:', 'en:',
    "''", "'''", '__TOC__', '__', '*', '#REDIRECT', '消歧义', '参考文献', '来源：', '（来源：新华网）',
    '责任编辑：', '相关新闻：', '点击查看', '版权所有', '。', '！', '？', '……', '”', '」', ';', '!',
    'a', 'Z', '1', '中', '文', '𠀀', ' ', '  ', '\t', '\n', '\n\n', '\r', '\r\n', '\u3000', '\u00a0',
    '\u2028', '\u200b', '\ufeff', '\x00', '\x85', '\ud800', '_', '%', '+', '~',
)
_FRAGMENT = st.sampled_from(FRAGMENTS) | st.text(max_size=4)
_ASSEMBLED = st.lists(_FRAGMENT, max_size=60).map(''.join)
_RUN = st.builds(lambda parts, times: (''.join(parts) * times)[:MAX_RUN_CHARS],
                 st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4), st.integers(1, MAX_RUN_CHARS))
TEXTS = st.one_of(st.text(max_size=3000), _ASSEMBLED, _RUN,
                  st.tuples(_ASSEMBLED, _RUN, _ASSEMBLED).map(''.join))


def _run_text_passes(text: str, known: set) -> None:
    for name, function, valid in TEXT_PASSES:
        try:
            with _deadline(TEXT_SECONDS + SECONDS_PER_CHAR * len(text)):
                result = function(text)
            assert valid(result), '%s returned %r' % (name, result)
        except Exception as error:
            _report_new(known, name, error, lambda base: Path(base + '.txt').write_text(
                text, encoding='utf-8', errors='surrogatepass'))


# --- readers ----------------------------------------------------------------------------------

_SQUAD = {'version': 'v1', 'data': [{'title': '标题', 'paragraphs': [{
    'context': '上下文。第二句！', 'qas': [{'question': '问题？', 'id': '1',
                                     'answers': [{'text': '上下文', 'answer_start': 0}]}]}]}]}
SEEDS = {  # (file name, text) of a small valid file of each format
    'text': ('corpus.txt', '第一篇文章。第二句！\n第二行\n\n第二篇文章。\n'),
    'thucnews': ('cnews.txt', '体育\t马晓旭意外受伤让国奥警惕。\n财经\t股市今日上涨。\n'),
    'jsonl': ('docs.jsonl', '{"text": "中文文本。"}\n{"text": "第二条", "id": 2}\n'),
    'json_array': ('docs.json', '[{"text": "甲文本。"},\n {"text": "乙文本。"}]\n'),
    'wikiextractor': ('wiki_00', '<doc id="1" url="https://zh.wikipedia.org/wiki?curid=1" title="数学">\n'
                                 '数学\n\n数学是研究数量的学科。-{zh-cn:软件;zh-tw:軟體}-\n</doc>\n'),
    'wikiextractor_json': ('wiki_01', json.dumps({'id': '1', 'url': 'u', 'title': 't', 'text': 't\n\n正文。'},
                                                 ensure_ascii=False) + '\n'),
    'sogou': ('news.dat', '<doclist>\n<doc>\n<url>http://news.sohu.com/1.shtml</url>\n<docno>1</docno>\n'
                          '<contenttitle>标题</contenttitle>\n<content>内容第一句。第二句！</content>\n</doc>\n</doclist>\n'),
    'squad': ('cmrc.json', json.dumps(_SQUAD, ensure_ascii=False)),
    'dureader': ('search.json', json.dumps({'question': '问题？', 'answers': ['答案。'], 'documents': [
        {'title': 't', 'paragraphs': ['段落一。', '段落二。']}]}, ensure_ascii=False) + '\n'),
    'wiki_xml': ('pages-articles.xml', (ROOT / 'tests' / 'data' / 'zhwiki-sample-pages-articles.xml').read_text('utf-8')),
}
HOSTILE = (
    b'\xff', b'\x80', b'\xe4\xb8', b'\x00', b'\r', b'\r\n', b'\n\n', b'\xef\xbb\xbf', b'\xff\xfe', b'\xfe\xff',
    b'"', b'\\', b'\\u', b'\\ud800', b',', b'[' * 3000, b'{"a":' * 2000, b'{"text":', b'{"text": 1}',
    b'[]', b'null', b'<doc>', b'</doc>', b'<doc id="2" title="x">', b'<page>', b'</page>', b'<text>',
    b'</text>', b'<content>', b'</content>', b'<url>', b'<!--', b']]>', b'&#' + b'9' * 5000 + b';',
    b'&lt;script&gt;' * 100, b'{{' * 1000, b'-{' * 500, b'\t', b'\xa1\xa1', b'\x81\x30\x81\x30',
)
_POSITION = st.integers(0, MAX_FILE_BYTES)
MUTATIONS = st.one_of(
    st.tuples(st.just('flip'), _POSITION, st.integers(0, 255)),
    st.tuples(st.just('insert'), _POSITION, st.sampled_from(HOSTILE) | st.binary(min_size=1, max_size=16)),
    st.tuples(st.just('repeat'), _POSITION, st.integers(1, 200), st.integers(2, 5000)),
    st.tuples(st.just('delete'), _POSITION, st.integers(1, 200)),
    st.tuples(st.just('cut'), _POSITION),
)
_COMPRESS = {'.gz': gzip.compress, '.bz2': bz2.compress, '.xz': lzma.compress,
             '.lzma': lambda data: lzma.compress(data, format=lzma.FORMAT_ALONE),
             '.zst': zstandard.ZstdCompressor().compress, '.zstd': zstandard.ZstdCompressor().compress}
assert set(_COMPRESS) == set(SUFFIXES)


def _mutated(data: bytes, mutation: tuple) -> bytes:
    kind, position = mutation[0], mutation[1] % (len(data) + 1)
    if kind == 'flip' and data:
        position %= len(data)
        return data[:position] + bytes([mutation[2]]) + data[position + 1:]
    if kind == 'insert':
        return data[:position] + mutation[2] + data[position:]
    if kind == 'repeat':
        piece = data[position:position + mutation[2]]
        return data[:position] + piece * mutation[3] + data[position:]
    if kind == 'delete':
        return data[:position] + data[position + mutation[2]:]
    return data[:position]  # cut (or flip of nothing)


@st.composite
def reader_inputs(draw):
    """(file name, bytes as stored, ReadSpec, what was done) of one file to read."""
    seed = draw(st.sampled_from(sorted(SEEDS)) | st.just('random'))
    if seed == 'random':
        name, data, encoding = 'random.txt', draw(st.binary(max_size=4096)), 'raw'
    else:
        name, text = SEEDS[seed]
        encoding = draw(st.sampled_from(('utf-8', 'utf-8-sig', 'gb18030', 'utf-16', 'utf-16-le')))
        data = text.encode(encoding)
    mutations = draw(st.lists(MUTATIONS, max_size=4))
    for mutation in mutations:
        data = _mutated(data, mutation)[:MAX_FILE_BYTES]
    suffix = draw(st.sampled_from(('',) + SUFFIXES))
    if suffix:
        data = _COMPRESS[suffix](data)
        cut = draw(st.none() | st.integers(0, len(data)))
        data = data if cut is None else data[:cut]
    spec = ReadSpec(format=draw(st.sampled_from(FORMATS)), encoding=draw(st.sampled_from(ENCODINGS)),
                    max_line_bytes=draw(st.sampled_from((1000, 1 << 20))), max_document_chars=1000)
    how = {'seed': seed, 'encoded': encoding, 'mutations': [list(map(repr, m)) for m in mutations],
           'suffix': suffix, 'spec': spec._asdict()}
    return name + suffix, data, spec, how


def _read_file(folder: str, case: tuple, known: set) -> None:
    name, data, spec, how = case
    try:
        _read_records(folder, name, data, spec)
    except Exception as error:
        def save(base):
            Path(base + '-' + name).write_bytes(data)
            Path(base + '.json').write_text(json.dumps(how, ensure_ascii=False, indent=1))
        _report_new(known, 'read_documents(%s seed)' % how['seed'], error, save)


def _read_records(folder: str, name: str, data: bytes, spec: ReadSpec) -> None:
    path = os.path.join(folder, name)
    with open(path, 'wb') as handle:
        handle.write(data)
    try:
        with _deadline(READ_SECONDS):
            for record in read_documents(path, name, spec):
                assert isinstance(record, (Document, Dropped)), 'a %s record' % type(record).__name__
                if isinstance(record, Document):
                    assert isinstance(record.text, str), 'a Document whose text is %r' % type(record.text)
                else:
                    assert isinstance(record.reason, str) and record.reason, 'a Dropped without a reason'
    finally:
        os.remove(path)


# --- running ----------------------------------------------------------------------------------

def _where(error: BaseException) -> str:
    """The line of the project (this script aside) that raised ``error``."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if frame.filename.startswith(str(ROOT)) and not frame.filename.endswith('fuzz_inputs.py')]
    return '%s:%d' % (os.path.relpath(frames[-1].filename, ROOT), frames[-1].lineno) if frames else '?'


class _Finding(Exception):
    """A new failure: ``key`` (exception type, where) tells failures apart; ``save(base)`` writes
    the input to files named from ``base``. Raised from the original error, so that hypothesis
    shrinks each distinct failure on its own."""

    def __init__(self, name: str, error: BaseException, save):
        super().__init__(name)
        self.name, self.error, self.save = name, error, save
        self.key = (type(error).__name__, _where(error))


def _report_new(known: set, name: str, error: Exception, save) -> None:
    """Raise a _Finding for ``error`` unless a failure of the same kind was found already."""
    finding = _Finding(name, error, save)
    if finding.key not in known:
        raise finding from error


def _finding_in(caught: BaseException) -> _Finding:
    """The _Finding that hypothesis raised: itself, or one inside the group it raises when a failure
    did not happen again on a rerun (a time bound just reached). Anything else is raised again."""
    found = next(_findings_within(caught), None)
    if found is None:
        raise caught
    return found


def _findings_within(caught: BaseException):
    if isinstance(caught, _Finding):
        yield caught
    for inner in caught.exceptions if isinstance(caught, BaseExceptionGroup) else ():
        yield from _findings_within(inner)


def _property(target: str, known: set, folder: str, tried: collections.Counter):
    def check(example):
        tried[target] += 1
        if target == 'text':
            _run_text_passes(example, known)
        else:
            _read_file(folder, example, known)
    return given(TEXTS if target == 'text' else reader_inputs())(check)


def _fuzz(target: str, seconds: float, known: set, findings: list, folder: str,
          tried: collections.Counter) -> None:
    """Batches of examples until ``seconds`` are spent; each new failure is shrunk, recorded, and
    left out of later batches."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        run = settings(max_examples=BATCH_EXAMPLES, deadline=None, database=None, print_blob=False,
                       suppress_health_check=list(HealthCheck),
                       phases=(Phase.generate, Phase.shrink))(_property(target, known, folder, tried))
        try:
            run()
        except (_Finding, BaseExceptionGroup) as caught:
            finding = _finding_in(caught)
            known.add(finding.key)
            findings.append(finding)
            print('FINDING %d: %s: %s at %s' % ((len(findings), finding.name) + finding.key), flush=True)
            print(''.join(traceback.format_exception(finding.error)[-6:]), flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--target', choices=('all', 'text', 'readers'), default='all')
    parser.add_argument('--seconds', type=float, default=300, help='time to spend, over all targets')
    parser.add_argument('--findings', default=None, help='folder for the failing inputs (default: a new temp folder)')
    args = parser.parse_args(argv)
    targets = ('text', 'readers') if args.target == 'all' else (args.target,)
    findings_dir = args.findings or tempfile.mkdtemp(prefix='fuzz-findings-')
    os.makedirs(findings_dir, exist_ok=True)
    known, findings, tried = set(), [], collections.Counter()
    with tempfile.TemporaryDirectory() as folder:
        for target in targets:
            print('fuzzing %s for %.0f s' % (target, args.seconds / len(targets)), flush=True)
            _fuzz(target, args.seconds / len(targets), known, findings, folder, tried)
            print('%d %s inputs tried' % (tried[target], target), flush=True)
    for number, finding in enumerate(findings, 1):
        finding.save(os.path.join(findings_dir, str(number)))
    print('%d finding(s)%s' % (len(findings), ', inputs in %s' % findings_dir if findings else ''))
    return 1 if findings else 0


if __name__ == '__main__':
    sys.exit(main())
