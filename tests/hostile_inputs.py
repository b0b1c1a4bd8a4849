"""Hostile inputs for the job (issue 31), built at test time, and a harness that runs the job's
command line as a user does: in a subprocess, under a memory cap and a time limit, measuring the
peak resident memory and CPU time it used, with a folder of the user's own files beside it that
must come out byte-identical.

Every builder writes its case into a given folder and returns what the job should make of it,
computed from the case itself (never a number taken from a run).
"""
import dataclasses
import functools
import gzip
import hashlib
import json
import lzma
import os
import pathlib
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
import zlib
from typing import Optional

import zstandard

from tests.conftest import ROOT, shared_file

PROG = 'build_pretraining_data'
JOB_MODULE = 'beam_jobs.build_pretraining_data'
INSPECT_MODULE = 'beam_jobs.inspect'
# RLIMIT_AS of the job: Beam, pyarrow and the in-process runner's threads reserve about 2 GB of
# address space (VmPeak 1.9 GB on the demo corpus, 2.7 GB on the 20 MB text below), so 6 GiB is not
# hit by a healthy run, while an input whose memory grows without bound (24 GB for a deep SQuAD
# file) fails fast instead of taking the machine.
ADDRESS_SPACE_CAP = 6 << 30
# The contract's bound on a job's peak resident memory with the in-process runner, on any input
# (a healthy small run peaks near 400 MB).
PEAK_RSS_BOUND = 1_500_000_000
# Wall-clock limits: a hang guard, generous for a loaded machine (a healthy job takes 7-30 s idle).
JOB_SECONDS = 300
USAGE_SECONDS = 60
# CPU seconds a job over 1 MB adversarial inputs may use: linear passes need a few; the quadratic
# ones of issue 31 need hundreds (20,000 unclosed <script> tags: over 120 s at 400 KB).
ADVERSARIAL_CPU_SECONDS = 60


@dataclasses.dataclass(frozen=True)
class Run:
    """What one command did: exit status (negative: killed by that signal), output, peak
    resident memory in bytes, CPU seconds (user + system) and wall seconds."""
    args: tuple
    returncode: int
    stdout: str
    stderr: str
    peak_rss: int
    cpu_seconds: float
    wall_seconds: float
    timed_out: bool

    def describe(self) -> str:
        """One line of what happened (the first a failure shows), then the args and stderr's ends."""
        lines = self.stderr.splitlines()
        shown = lines if len(lines) <= 8 else lines[:3] + ['...'] + lines[-4:]
        return ('exit %s%s, %d stderr lines, peak RSS %.0f MB, CPU %.1f s, wall %.1f s; stderr: %s\n'
                'args: %s\nstderr:\n%s' % (
                    self.returncode, ' (timed out, killed)' if self.timed_out else '', len(lines),
                    self.peak_rss / 1e6, self.cpu_seconds, self.wall_seconds,
                    (lines[-1] if lines else '')[:200], ' '.join(self.args),
                    '\n'.join(line[:300] for line in shown)))


def _cap_memory():
    """preexec_fn: the cap applies to the job and every process it starts."""
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))


def run_module(module: str, args, timeout: float, interrupt_when=None) -> Run:
    """Run ``python -m module args`` from the project root under ADDRESS_SPACE_CAP, stdin closed.

    The child is reaped with os.wait4, whose rusage gives its peak RSS and CPU time; past ``timeout``
    its whole process group is killed (a hang is a failure, never a stuck test run). Once
    ``interrupt_when()`` is true, the group gets one SIGINT, as a terminal's Ctrl-C sends it.
    """
    args = tuple(str(arg) for arg in args)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        process = subprocess.Popen([sys.executable, '-m', module, *args], cwd=ROOT,
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                   preexec_fn=_cap_memory, start_new_session=True)
        timed_out = False
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if interrupt_when is not None and interrupt_when():
                os.killpg(process.pid, signal.SIGINT)
                interrupt_when = None
            if time.monotonic() - start > timeout:
                timed_out = True
                os.killpg(process.pid, signal.SIGKILL)
                _, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        wall = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        return Run(args, process.returncode, out.read().decode('utf-8', 'replace'),
                   err.read().decode('utf-8', 'replace'), usage.ru_maxrss * 1024,
                   usage.ru_utime + usage.ru_stime, wall, timed_out)


def run_job(*args, timeout: float = JOB_SECONDS) -> Run:
    return run_module(JOB_MODULE, args, timeout)


def run_inspect(*args, timeout: float = USAGE_SECONDS) -> Run:
    return run_module(INSPECT_MODULE, args, timeout)


def small_job_args(vocab, output_dir, *inputs) -> list:
    """A short job: one copy of each document (--dupe_factor 1), two shards."""
    args = ['--output_dir', output_dir, '--vocab_file', vocab, '--dupe_factor', '1', '--num_shards', '2']
    for path in inputs:
        args += ['--input', path]
    return args


# ---------------------------------------------------------------------------------------------
# What every run must show

def assert_finished(run: Run) -> None:
    """Ended on its own, within the memory bound, without a traceback on the terminal."""
    assert not run.timed_out, 'the command did not finish in time: ' + run.describe()
    assert run.returncode >= 0, 'the command was killed by signal %d: %s' % (-run.returncode, run.describe())
    assert run.peak_rss < PEAK_RSS_BOUND, 'peak RSS over %.1f GB: %s' % (PEAK_RSS_BOUND / 1e9, run.describe())
    assert 'Traceback' not in run.stderr, 'a traceback on stderr: ' + run.describe()


def assert_one_line_error(run: Run, code: int, prefix: str = PROG + ': ') -> str:
    """Exit ``code`` with exactly one line on stderr (no usage text, no traceback); returns it."""
    assert_finished(run)
    assert run.returncode == code, 'expected exit %d: %s' % (code, run.describe())
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and run.stderr.endswith('\n'), 'expected one line on stderr: ' + run.describe()
    assert lines[0].startswith(prefix), 'expected %r first: %s' % (prefix, run.describe())
    return lines[0]


def assert_success(run: Run) -> None:
    assert_finished(run)
    assert run.returncode == 0, 'expected exit 0: ' + run.describe()


# ---------------------------------------------------------------------------------------------
# The user's own files, which no run may touch

USER_FILES = {
    # Names of the job's own kind: a corpus file, a thesis, notes in a rejects/ folder, a word list.
    'part-00000.txt': None,  # filled with real news text (usable as an input file)
    'part-of-my-thesis.txt': '第一章 绪论\n本文研究中文预训练语料的构建方法。\n'.encode('utf-8'),
    'rejects/notes.jsonl': b'{"note": "keep me"}\n',
    'vocab.txt': '我的\n词表\n'.encode('utf-8'),
    'notes/todo.md': b'# todo\n- back up the corpus\n',
}


def digests(root: pathlib.Path, ignore=()) -> dict:
    """{relative path: sha256 (files) or 'folder'} of everything under ``root``, except the
    relative paths in ``ignore`` and what lies under them."""
    found = {}
    for path in sorted(root.rglob('*')):
        relative = path.relative_to(root).as_posix()
        if any(relative == skip or relative.startswith(skip + '/') for skip in ignore):
            continue
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            found[relative] = 'special'
        elif path.is_dir():
            found[relative] = 'folder'
        else:
            found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


class UserFolder:
    """A folder of the user's files (USER_FILES, and whatever else a test puts there before
    ``seal``); ``assert_unchanged`` checks that every entry outside ``ignore`` (the dataset folder
    the job may write) is byte-identical and that nothing was added."""

    def __init__(self, root: pathlib.Path, ignore=()):
        self.root = pathlib.Path(root)
        self.ignore = tuple(ignore)
        for relative, data in USER_FILES.items():
            path = self.root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(plain_text(articles(890, 3)).encode('utf-8') if data is None else data)
        self.before = None

    def seal(self) -> 'UserFolder':
        self.before = digests(self.root, self.ignore)
        return self

    def assert_unchanged(self) -> None:
        after = digests(self.root, self.ignore)
        changed = sorted(name for name in set(self.before) | set(after)
                         if self.before.get(name) != after.get(name))
        assert not changed, 'the user\'s files changed: %s' % ', '.join(
            '%s (%s -> %s)' % (name, _state(self.before.get(name)), _state(after.get(name)))
            for name in changed)


def _state(digest: Optional[str]) -> str:
    return 'absent' if digest is None else digest if digest in ('folder', 'special') else digest[:8]


# ---------------------------------------------------------------------------------------------
# Manifests

def read_manifest(output_dir) -> dict:
    return json.loads((pathlib.Path(output_dir) / 'manifest.json').read_text(encoding='utf-8'))


def assert_balanced(manifest: dict) -> None:
    """documents_read == documents_kept + every drop, in total and for each source."""
    counts = manifest['counts']
    assert counts.get('documents_read', 0) == counts.get('documents_kept', 0) + sum(
        manifest['dropped'].values()), (counts, manifest['dropped'])
    for source, source_counts in manifest['sources'].items():
        assert source_counts['documents_read'] == source_counts['documents_kept'] + sum(
            source_counts['dropped'].values()), (source, source_counts)


def source_counts(manifest: dict, file_name: str) -> dict:
    """The manifest's counts of the input file named ``file_name`` (its last path part)."""
    found = [counts for source, counts in manifest['sources'].items()
             if source == file_name or source.endswith('/' + file_name)]
    assert len(found) == 1, 'no single source named %s among %s' % (file_name, sorted(manifest['sources']))
    return found[0]


# ---------------------------------------------------------------------------------------------
# Documents

_SENTENCE = re.compile(r'[^。！？]*[。！？]')
_ARTICLE_CHARS = 150
_MIN_ARTICLE_CHARS = 60
_COPY_CHARS = 12
_IDEOGRAPH = re.compile('[\u4e00-\u9fff]')


def _gbk_safe(sentence: str) -> bool:
    try:
        sentence.encode('gbk')
    except UnicodeEncodeError:
        return False
    return True


@functools.lru_cache(maxsize=1)
def _news_documents() -> tuple:
    """The THUCNews articles that are plainly Chinese prose, cut to their first sentences (at least
    _ARTICLE_CHARS characters, only those GBK can encode), one sentence a line."""
    lines = shared_file('news/thucnews_cnews_1000.txt').read_text(encoding='utf-8').split('\n')
    documents = []
    for line in lines:
        sentences = [re.sub(r'\s+', '', s) for s in _SENTENCE.findall(line.partition('\t')[2])]
        kept, size = [], 0
        for sentence in sentences:
            if sentence and _gbk_safe(sentence):
                kept.append(sentence)
                size += len(sentence)
                if size >= _ARTICLE_CHARS:
                    break
        document = '\n'.join(kept)
        if size >= _MIN_ARTICLE_CHARS and _plainly_chinese_prose(document):
            documents.append(document)
    return tuple(documents)


def _plainly_chinese_prose(document: str) -> bool:
    """Mostly ideographs (not a list of English phrases) and no copied passage (no run of
    _COPY_CHARS characters twice): text no quality filter has a reason to drop."""
    if len(_IDEOGRAPH.findall(document)) < 0.6 * len(document):
        return False
    runs = [document[start:start + _COPY_CHARS] for start in range(len(document) - _COPY_CHARS + 1)]
    return len(set(runs)) == len(runs)


def articles(first: int, count: Optional[int] = None) -> list:
    """Documents ``first``..``first + count - 1`` (None: to the last) of _news_documents: real,
    distinct news text that passes the job's filters, written only with characters GBK can encode."""
    documents = _news_documents()
    count = len(documents) - first if count is None else count
    assert first + count <= len(documents), (first, count, len(documents))
    return list(documents[first:first + count])


def plain_text(documents, line_end: str = '\n') -> str:
    """The ``text`` format: a document's lines, a blank line between documents."""
    return (line_end * 2).join(document.replace('\n', line_end) for document in documents) + line_end


def write_text(path: pathlib.Path, documents, encoding: str = 'utf-8', line_end: str = '\n') -> int:
    path.write_bytes(plain_text(documents, line_end).encode(encoding))
    return len(documents)


# ---------------------------------------------------------------------------------------------
# Case builders (issue 31's numbered items)

def write_gb18030_with_bad_byte(path: pathlib.Path, documents) -> int:
    """(4) GB18030 text with one byte that no encoding decodes (0xFF) in its third text line."""
    lines = plain_text(documents).encode('gb18030').split(b'\n')
    third = [number for number, line in enumerate(lines) if line][2]
    lines[third] = lines[third][:4] + b'\xff' + lines[third][4:]
    path.write_bytes(b'\n'.join(lines))
    return len(documents)


ASCII_HEAD_BYTES = 300 * 1024  # past the 256 KiB that encoding detection used to look at


def write_gbk_after_ascii_head(path: pathlib.Path, documents) -> int:
    """(4) A GBK file whose first 300 KiB are ASCII (one document of English lines), then the
    documents. Returns how many documents the file holds (the ASCII one included)."""
    line = b'ascii preamble line %06d: configuration notes and licence text, nothing Chinese\n'
    head = b''.join(line % number for number in range(ASCII_HEAD_BYTES // len(line % 0) + 1))
    path.write_bytes(head + b'\n' + plain_text(documents).encode('gbk'))
    return len(documents) + 1


def write_utf16_with_bom(path: pathlib.Path, documents) -> int:
    """(4) UTF-16 (little-endian, with its byte order mark)."""
    path.write_bytes(plain_text(documents).encode('utf-16'))
    return len(documents)


def write_lossy_utf8(path: pathlib.Path, documents, bad_lines: int) -> int:
    """(4) UTF-8 text with ``bad_lines`` lines holding a byte no encoding decodes (0xFF), over 1%
    of its lines. Returns the number of documents."""
    lines = plain_text(documents).encode('utf-8').split(b'\n')
    text_lines = [number for number, line in enumerate(lines) if line]
    assert bad_lines > 0.01 * len(text_lines)
    for number in text_lines[:bad_lines]:
        lines[number] = lines[number][:6] + b'\xff' + lines[number][6:]
    path.write_bytes(b'\n'.join(lines))
    return len(documents)


CUT_BYTES = 100


def _zstd_streamed(data: bytes) -> bytes:
    """zstd as a streaming writer makes it: a block flushed every KiB of input (a file cut short
    then loses only its last blocks, as with gzip and xz)."""
    compressor = zstandard.ZstdCompressor().compressobj()
    parts = []
    for start in range(0, len(data), 1024):
        parts.append(compressor.compress(data[start:start + 1024]))
        parts.append(compressor.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK))
    parts.append(compressor.flush())
    return b''.join(parts)


COMPRESSORS = {'.gz': gzip.compress, '.xz': lzma.compress, '.zst': _zstd_streamed}


def recoverable_prefix(data: bytes, suffix: str) -> bytes:
    """What a streaming decompressor (``gzip -dc`` and the like) gets out of a cut file."""
    if suffix == '.gz':
        return zlib.decompressobj(wbits=16 + zlib.MAX_WBITS).decompress(data)
    if suffix == '.xz':
        return lzma.LZMADecompressor().decompress(data)
    return zstandard.ZstdDecompressor().decompressobj().decompress(data)


def write_truncated(path: pathlib.Path, documents) -> tuple:
    """(5) The documents compressed by ``path``'s suffix, less the file's last CUT_BYTES bytes.

    Returns (complete documents before the damage, 1 if a partial document follows them else 0),
    from what a streaming decompressor recovers of the cut file.
    """
    text = plain_text(documents)
    data = COMPRESSORS[path.suffix](text.encode('utf-8'))[:-CUT_BYTES]
    path.write_bytes(data)
    prefix = recoverable_prefix(data, path.suffix).decode('utf-8', 'ignore')
    complete = prefix.count('\n\n')
    partial = 1 if prefix.rsplit('\n\n', 1)[-1].strip() else 0
    assert 0 < complete < len(documents), (complete, len(documents))
    return complete, partial


def write_json_array(path: pathlib.Path, documents) -> int:
    """(9) One JSON array of {"text": ...} objects, pretty-printed (one line per key), with one
    element that is not an object at the end. Returns the number of elements."""
    elements = [{'text': document, 'id': number} for number, document in enumerate(documents)] + [42]
    path.write_text(json.dumps(elements, ensure_ascii=False, indent=2), encoding='utf-8')
    return len(elements)


def write_cr_only(path: pathlib.Path, documents) -> int:
    """(10) Old Mac line ends: CR only, a blank line (CR CR) between documents."""
    return write_text(path, documents, line_end='\r')


def write_deep_json_line(path: pathlib.Path, documents, depth: int = 1500) -> int:
    """(3) JSON lines, with one line nested ``depth`` deep in the middle. Returns all lines."""
    lines = [json.dumps({'text': document}, ensure_ascii=False) for document in documents]
    deep = '{"text": ' + '[' * depth + '"深"' + ']' * depth + '}'
    lines.insert(len(lines) // 2, deep)
    path.write_text('\n'.join(lines) + '\n', encoding='utf-8')
    return len(lines)


def write_deep_squad(path: pathlib.Path, context: str, depth: int = 100_000, indent=None) -> None:
    """(2) SQuAD layout: a good paragraph, then a value nested ``depth`` deep (100,000 deep:
    200 KB). ``indent`` None writes one line; a number, one key a line (as json.dump(indent=...)
    does), the nested value on a line of its own."""
    deep = '[' * depth + ']' * depth
    layout = {'version': '1.1', 'data': [{'title': 'deep', 'paragraphs': [
        {'context': context, 'qas': []}, {'context': 'x', 'qas': 'DEEP'}]}]}
    text = json.dumps(layout, ensure_ascii=False, indent=indent)
    path.write_text(text.replace('"DEEP"', deep), encoding='utf-8')


NOVEL_BYTES = 20_000_000


def write_novel(path: pathlib.Path) -> int:
    """(2) NOVEL_BYTES of Chinese sentences, one a line, with no blank line: one document as read
    (a novel without paragraph breaks). Returns its characters."""
    sentences = [sentence for document in articles(0) for sentence in document.split('\n')]
    chunk = ('\n'.join(sentences) + '\n').encode('utf-8')
    data = (chunk * (NOVEL_BYTES // len(chunk) + 1))[:NOVEL_BYTES]
    data = data[:data.rindex(b'\n') + 1]
    path.write_bytes(data)
    return len(data.decode('utf-8'))


ADVERSARIAL_BYTES = 1_000_000


def adversarial_texts() -> dict:
    """(7) 1 MB inputs that quadratic text passes cannot finish: {file name: bytes}."""
    nesting = ADVERSARIAL_BYTES // 4
    page = ('<mediawiki><page><title>嵌套模板</title><ns>0</ns><id>1</id><revision><text>'
            '嵌套模板是维基百科条目常见的写法。%s嵌%s这一段落之后还有正文。</text></revision></page></mediawiki>\n'
            % ('{{' * nesting, '}}' * nesting))
    return {
        'unclosed_script.txt': ('<script>' * (ADVERSARIAL_BYTES // 8) + '\n').encode('ascii'),
        'open_comments.txt': ('<!--' * (ADVERSARIAL_BYTES // 4) + '\n').encode('ascii'),
        'dotted_url.txt': ('http://' + 'a.' * (ADVERSARIAL_BYTES // 2) + '\n').encode('ascii'),
        'nested_templates.xml': page.encode('utf-8'),
    }


SOGOU_RECORDS = 40


def sogou_records(count: int = SOGOU_RECORDS) -> bytes:
    """The first ``count`` <doc> records of the real SogouCS sample, as its bytes (GBK)."""
    data = shared_file('news/sogoucs_news_sohusite_xml.smarty.gbk.dat').read_bytes()
    records = re.findall(rb'<doc>.*?</doc>\s*', data, re.S)
    assert len(records) >= count
    return b''.join(records[:count])


def write_sogou(path: pathlib.Path, wrapper: str, count: int = SOGOU_RECORDS) -> int:
    """(11) Sogou records inside ``<wrapper>`` (SogouCS packs them in <docs>, SogouCA in <doclist>)."""
    path.write_bytes(b'<%s>\n' % wrapper.encode() + sogou_records(count) + b'</%s>\n' % wrapper.encode())
    return count
