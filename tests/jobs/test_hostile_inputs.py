"""Issue 31's hostile-input suite: each case is built at test time and the job's command line runs
on it as a user runs it (tests/hostile_inputs.py), under a memory cap and a time limit. Every run
is checked for its exit code, its stderr (one line on an error, never a traceback), its peak memory
and, where it wrote a manifest, read = kept + dropped; a folder of the user's own files beside it
must come out byte-identical.

Cases that only need a wrong count to show (encodings, truncated files, JSON arrays, line ends,
Sogou wrappers) share one run over a folder of such files and are told apart by the manifest's
per-source counts; a case that used to stop or swamp the whole job gets a run of its own, so that
each test fails for its own case.
"""
import json
import math
import os
import pathlib
import shutil
import time

import pytest

from tests import hostile_inputs as hostile
from tests.hostile_inputs import (UserFolder, assert_balanced, assert_finished, assert_one_line_error,
                                  assert_success, read_manifest, run_inspect, run_job, small_job_args,
                                  source_counts)

pytestmark = pytest.mark.job

DATASET = 'dataset'  # the output folder, inside the user's folder
# Deduplication off where files are told apart by their counts: no file's counts depend on another's.
NO_DEDUP = ['--dedup_exact', 'false', '--dedup_near', 'false']


def _home(root: pathlib.Path) -> UserFolder:
    """The user's folder, with the job's output folder (not yet made) inside it."""
    return UserFolder(root / 'home', ignore=(DATASET,))


def _good(folder: pathlib.Path) -> pathlib.Path:
    """20 real news documents: a run with them always has instances to write."""
    path = folder / 'good.txt'
    hostile.write_text(path, hostile.articles(0, 20))
    return path


# ---------------------------------------------------------------------------------------------
# One run over many bad-but-readable files (items 4, 5, 9, 10, 11)

class Batch:
    """The shared run: its Run, the user's folder and, per file, what the file holds."""

    def __init__(self, run, home, expected):
        self.run, self.home, self.expected = run, home, expected
        self.output_dir = home.root / DATASET

    def manifest(self) -> dict:
        """The run's manifest, once the checks every run gets have passed (exit 0 in the memory
        bound without a traceback, every source read and balanced, the user's files untouched)."""
        assert_success(self.run)
        self.home.assert_unchanged()
        manifest = read_manifest(self.output_dir)
        assert_balanced(manifest)
        assert set(manifest['sources']) == set(self.expected), sorted(manifest['sources'])
        return manifest


@pytest.fixture(scope='module')
def batch(tmp_path_factory, real_vocab_path):
    home = _home(tmp_path_factory.mktemp('batch'))
    inputs = home.root / 'inputs'
    inputs.mkdir()
    expected = {
        'good.txt': hostile.write_text(inputs / 'good.txt', hostile.articles(0, 20)),
        'array.json': hostile.write_json_array(inputs / 'array.json', hostile.articles(20, 20)),
        'gb18030.txt': hostile.write_gb18030_with_bad_byte(inputs / 'gb18030.txt', hostile.articles(40, 10)),
        'gbk_ascii_head.txt': hostile.write_gbk_after_ascii_head(inputs / 'gbk_ascii_head.txt',
                                                                 hostile.articles(50, 10)),
        'utf16.txt': hostile.write_utf16_with_bom(inputs / 'utf16.txt', hostile.articles(60, 10)),
        'lossy.txt': hostile.write_lossy_utf8(inputs / 'lossy.txt', hostile.articles(70, 10), bad_lines=5),
        'cr_only.txt': hostile.write_cr_only(inputs / 'cr_only.txt', hostile.articles(80, 3)),
        'sogou_docs.dat': hostile.write_sogou(inputs / 'sogou_docs.dat', 'docs'),
        'sogou_doclist.dat': hostile.write_sogou(inputs / 'sogou_doclist.dat', 'doclist'),
    }
    for number, suffix in enumerate(hostile.COMPRESSORS):
        name = 'news.txt' + suffix
        expected[name] = hostile.write_truncated(inputs / name, hostile.articles(100 + 200 * number, 200))
    home.seal()
    run = run_job(*small_job_args(real_vocab_path, home.root / DATASET,
                                  *sorted(inputs / name for name in expected)), *NO_DEDUP)
    return Batch(run, home, expected)


@pytest.mark.parametrize('name', ['gb18030.txt', 'utf16.txt'])
def test_encoding_is_detected_and_documents_kept(batch, name):
    """(4) GB18030 with one byte no encoding decodes, and UTF-16 with a BOM, lost every document
    (read as UTF-8, dropped as low_cjk_fraction)."""
    counts = source_counts(batch.manifest(), name)
    assert counts['documents_read'] == counts['documents_kept'] == batch.expected[name], counts


def test_gbk_after_ascii_head_keeps_documents(batch):
    """(4) 300 KiB of ASCII first: detection saw only ASCII and read the GBK text as UTF-8. Only the
    English preamble (one document) may go."""
    counts = source_counts(batch.manifest(), 'gbk_ascii_head.txt')
    assert counts['documents_read'] == batch.expected['gbk_ascii_head.txt'], counts
    assert counts['documents_kept'] == batch.expected['gbk_ascii_head.txt'] - 1, counts


def test_file_losing_lines_is_named_on_stderr_and_in_manifest(batch):
    """(4) A file that loses over 1% of its lines (here 5 of 25) to undecodable bytes is named; its
    documents are kept (the bytes replaced), and files that lose nothing are not named."""
    manifest = batch.manifest()
    counts = source_counts(manifest, 'lossy.txt')
    assert counts['documents_kept'] == batch.expected['lossy.txt'], counts
    assert 'lossy.txt' in batch.run.stderr, batch.run.describe()
    assert 'lossy.txt' in json.dumps(manifest.get('warnings'), ensure_ascii=False), manifest.get('warnings')
    for quiet in ('good.txt', 'utf16.txt', 'array.json'):
        assert quiet not in batch.run.stderr, batch.run.describe()


@pytest.mark.parametrize('name', ['news.txt' + suffix for suffix in hostile.COMPRESSORS])
def test_truncated_compressed_file_keeps_documents_before_damage(batch, name):
    """(5) The last 100 bytes cut from a 200-document file: every document a streaming decompressor
    recovers whole is kept, the partial one and the damage are counted."""
    complete, partial = batch.expected[name]
    counts = source_counts(batch.manifest(), name)
    assert counts['documents_kept'] == complete, (complete, counts)
    assert counts['dropped'].get('truncated_document', 0) == partial, counts
    assert counts['dropped'].get('unreadable_file', 0) == 1, counts


def test_json_array_gives_documents(batch):
    """(9) `[{"text": ...}, ...]` over many lines: each element is a record, the non-object one a
    counted malformed_json (each physical line used to be a malformed_json)."""
    counts = source_counts(batch.manifest(), 'array.json')
    assert counts['documents_read'] == batch.expected['array.json'], counts
    assert counts['documents_kept'] == batch.expected['array.json'] - 1, counts
    assert counts['dropped'] == {'malformed_json': 1}, counts


def test_cr_only_line_ends_separate_documents(batch):
    """(10) CR-only line ends made one document of the whole file."""
    counts = source_counts(batch.manifest(), 'cr_only.txt')
    assert counts['documents_read'] == counts['documents_kept'] == batch.expected['cr_only.txt'], counts


def test_sogou_records_detected_in_any_wrapper(batch):
    """(11) SogouCA's <doclist> wrapper: the records are read exactly as in SogouCS's <docs>."""
    manifest = batch.manifest()
    docs, doclist = (source_counts(manifest, name) for name in ('sogou_docs.dat', 'sogou_doclist.dat'))
    assert docs['documents_read'] == hostile.SOGOU_RECORDS, docs
    assert {key: doclist[key] for key in ('documents_read', 'documents_kept', 'dropped')} == \
        {key: docs[key] for key in ('documents_read', 'documents_kept', 'dropped')}, (docs, doclist)


# ---------------------------------------------------------------------------------------------
# Runs of their own

def _run_on_one_file(home, vocab, path):
    """The job on the user's file ``path`` alone, the folder sealed first: (the run, its manifest)."""
    home.seal()
    run = run_job(*small_job_args(vocab, home.root / DATASET, path))
    manifest = read_manifest(home.root / DATASET)
    return run, manifest


def test_deep_json_line_is_one_counted_malformed_record(tmp_path, real_vocab_path):
    """(3) A JSON line nested 1,500 deep raised RecursionError and failed the whole run."""
    home = _home(tmp_path)
    path = home.root / 'deep.jsonl'
    lines = hostile.write_deep_json_line(path, hostile.articles(83, 10))
    run, manifest = _run_on_one_file(home, real_vocab_path, path)
    assert_success(run)
    assert_balanced(manifest)
    counts = source_counts(manifest, 'deep.jsonl')
    assert counts['documents_read'] == lines and counts['documents_kept'] == lines - 1, counts
    assert counts['dropped'] == {'malformed_json': 1}, counts
    home.assert_unchanged()


@pytest.mark.parametrize('indent', [None, 2], ids=['one_line', 'indented'])
def test_deeply_nested_squad_file_in_bounded_memory(tmp_path, real_vocab_path, indent):
    """(2) 200 KB of SQuAD layout nested 100,000 deep: on one line it raised RecursionError in
    format detection, indented it drove the reader to 24 GB. The paragraph before the nesting is
    kept, the rest is one malformed_json, memory stays bounded."""
    home = _home(tmp_path)
    path = home.root / 'deep_squad.json'
    hostile.write_deep_squad(path, hostile.articles(93, 1)[0].replace('\n', ''), indent=indent)
    good = _good(home.root)
    home.seal()
    run = run_job(*small_job_args(real_vocab_path, home.root / DATASET, path, good))
    assert_success(run)
    manifest = read_manifest(home.root / DATASET)
    assert_balanced(manifest)
    counts = source_counts(manifest, 'deep_squad.json')
    assert counts['documents_kept'] == 1 and counts['dropped'] == {'malformed_json': 1}, counts
    home.assert_unchanged()


def test_text_without_blank_lines_in_bounded_memory(tmp_path, real_vocab_path):
    """(2) 20 MB of lines without a blank line, repetition filters off as for a novel: one
    document of 7.3 M characters took 2.4 GB (100 MB: 11 GB); under this suite's address-space cap
    it was silently lost (read 1, kept 0, no drop counted, exit 0). It must be cut into pieces of
    at most --max_document_chars (1,000,000), each counted."""
    home = _home(tmp_path)
    path = home.root / 'novel.txt'
    chars = hostile.write_novel(path)
    good = _good(home.root)
    home.seal()
    run = run_job(*small_job_args(real_vocab_path, home.root / DATASET, path, good),
                  '--max_duplicate_line_fraction', '1', '--max_top_ngram_fraction', '1',
                  '--max_duplicate_ngram_fraction', '1', '--jieba_hmm', 'false', '--dedup_near', 'false',
                  '--convert', 'none')
    assert_success(run)
    manifest = read_manifest(home.root / DATASET)
    assert_balanced(manifest)
    counts = source_counts(manifest, 'novel.txt')
    assert counts['documents_read'] >= math.ceil(chars / 1_000_000), counts
    assert manifest['counts'].get('documents_split') == 1, manifest['counts']
    assert manifest['counts'].get('document_pieces_added') == counts['documents_read'] - 1, manifest['counts']
    home.assert_unchanged()


def test_adversarial_markup_finishes_in_linear_time(tmp_path, real_vocab_path):
    """(7) 1 MB of unclosed <script> tags, of `<!--`, a dotted URL, and a wiki page of nested `{{`:
    quadratic passes took minutes at a fifth of the size. The run gets ADVERSARIAL_CPU_SECONDS."""
    home = _home(tmp_path)
    paths = []
    for name, data in hostile.adversarial_texts().items():
        paths.append(home.root / name)
        paths[-1].write_bytes(data)
    paths.append(_good(home.root))
    home.seal()
    run = run_job(*small_job_args(real_vocab_path, home.root / DATASET, *paths))
    assert_success(run)
    assert run.cpu_seconds < hostile.ADVERSARIAL_CPU_SECONDS, run.describe()
    manifest = read_manifest(home.root / DATASET)
    assert_balanced(manifest)
    for path in paths:
        assert source_counts(manifest, path.name)['documents_read'] >= 1, path.name
    home.assert_unchanged()


def test_comma_and_brackets_in_file_name(tmp_path, real_vocab_path):
    """(10) An existing path is taken as is: it used to be split at the comma and `[1]` globbed."""
    home = _home(tmp_path)
    path = home.root / 'news, part [1].txt'
    count = hostile.write_text(path, hostile.articles(700, 5))
    run, manifest = _run_on_one_file(home, real_vocab_path, path)
    assert_success(run)
    assert_balanced(manifest)
    counts = source_counts(manifest, path.name)
    assert counts['documents_read'] == counts['documents_kept'] == count, counts
    home.assert_unchanged()


def test_run_that_makes_nothing_says_why_and_exits_1(tmp_path, real_vocab_path):
    """(9) Every document dropped: the run exited 0 with 0 instances and nothing on stderr."""
    home = _home(tmp_path)
    path = home.root / 'short.txt'
    count = hostile.write_text(path, ['短句%d。' % number for number in range(5)])
    run, manifest = _run_on_one_file(home, real_vocab_path, path)
    line = assert_one_line_error(run, 1)
    assert 'no instance was made' in line and 'too_short' in line and '--allow_empty' in line, line
    assert_balanced(manifest)
    assert manifest['counts']['documents_read'] == count, manifest['counts']
    home.assert_unchanged()


def _once_running(folder: pathlib.Path, delay: float):
    """A condition that turns true ``delay`` seconds after the job first wrote in ``folder`` (its
    run marker comes first, before the pipeline starts): an interrupt then lands in the pipeline,
    which takes over 4 s on this input."""
    first_seen = []

    def condition() -> bool:
        if not first_seen:
            try:
                if any(folder.iterdir()):
                    first_seen.append(time.monotonic())
            except OSError:  # not made yet
                pass
        return bool(first_seen) and time.monotonic() - first_seen[0] >= delay
    return condition


def test_ctrl_c_exits_130_with_one_line_and_no_manifest(tmp_path, real_vocab_path):
    """(8) Ctrl-C (SIGINT to the job's process group, as a terminal sends it) while the pipeline
    runs: exit 130, one line, no manifest and none of the run's temporary files."""
    home = _home(tmp_path)
    path = home.root / 'news.txt'
    hostile.write_text(path, hostile.articles(0))
    home.seal()
    output_dir = home.root / DATASET
    run = hostile.run_module(hostile.JOB_MODULE, small_job_args(real_vocab_path, output_dir, path),
                             hostile.JOB_SECONDS, interrupt_when=_once_running(output_dir, 1.5))
    assert_finished(run)
    assert run.returncode == 130 and run.stderr == hostile.PROG + ': interrupted\n', run.describe()
    assert not (output_dir / 'manifest.json').exists()
    assert not (output_dir / '.incomplete').exists()
    home.assert_unchanged()


# ---------------------------------------------------------------------------------------------
# The user's files (item 1)

def test_input_inside_output_folder_is_refused(tmp_path, real_vocab_path):
    """(1) Its own input `part-00000.txt` was deleted from the output folder, then the job crashed."""
    home = UserFolder(tmp_path / 'home').seal()
    run = run_job(*small_job_args(real_vocab_path, home.root, home.root / 'part-00000.txt'))
    assert_one_line_error(run, 2)
    home.assert_unchanged()


def test_output_folder_holding_users_files_is_refused(tmp_path, real_vocab_path):
    """(1) `part-of-my-thesis.txt` and `rejects/notes.jsonl` were deleted as a run's leftovers."""
    home = UserFolder(tmp_path / 'home').seal()
    corpus = tmp_path / 'corpus'
    corpus.mkdir()
    run = run_job(*small_job_args(real_vocab_path, home.root, _good(corpus)))
    line = assert_one_line_error(run, 2)
    assert 'part-' in line or 'rejects' in line or 'notes' in line or 'vocab.txt' in line, line
    home.assert_unchanged()


@pytest.mark.parametrize('name', ['vocab.txt', 'part-00000-of-00002.tfrecord'])
def test_users_file_with_a_name_the_job_writes_is_refused(tmp_path, real_vocab_path, name):
    """(1) Even with --allow_other_files, a file of the user's that the job would overwrite."""
    folder = tmp_path / 'out'
    folder.mkdir()
    (folder / name).write_bytes('用户自己的文件\n'.encode('utf-8'))
    before = hostile.digests(folder)
    run = run_job(*small_job_args(real_vocab_path, folder, _good(tmp_path)), '--allow_other_files')
    line = assert_one_line_error(run, 2)
    assert name in line, line
    assert hostile.digests(folder) == before


def test_overwrite_removes_only_the_datasets_files(batch, tmp_path, real_vocab_path):
    """(1) --overwrite on a dataset the user added files to: only the dataset's own files go."""
    batch.manifest()  # the dataset of the shared run, copied
    output_dir = tmp_path / DATASET
    shutil.copytree(batch.output_dir, output_dir)
    mine = {'part-of-my-thesis.txt': '论文\n'.encode('utf-8'), 'my-notes/todo.md': b'- keep\n'}
    for name, data in mine.items():
        (output_dir / name).parent.mkdir(exist_ok=True)
        (output_dir / name).write_bytes(data)
    run = run_job(*small_job_args(real_vocab_path, output_dir, _good(tmp_path)),
                  '--overwrite', '--allow_other_files')
    assert_success(run)
    manifest = read_manifest(output_dir)
    assert_balanced(manifest)
    assert list(manifest['sources']) == ['good.txt'], manifest['sources']
    for name, data in mine.items():
        assert (output_dir / name).read_bytes() == data, name


# ---------------------------------------------------------------------------------------------
# inspect (items 6, 8 and 10 from the reader's side)

def _dataset_copy(batch, tmp_path) -> pathlib.Path:
    batch.manifest()
    folder = tmp_path / DATASET
    shutil.copytree(batch.output_dir, folder)
    return folder


@pytest.mark.parametrize('damage', ['empty', 'truncated', 'not_a_manifest'])
def test_inspect_on_a_bad_manifest_says_one_line(batch, tmp_path, damage):
    """(8) inspect crashed on an empty or truncated manifest (what a full disk left)."""
    folder = _dataset_copy(batch, tmp_path)
    manifest = folder / 'manifest.json'
    data = manifest.read_bytes()
    manifest.write_bytes({'empty': b'', 'truncated': data[:len(data) // 2],
                          'not_a_manifest': b'{"format_version": 2}\n'}[damage])
    before = hostile.digests(folder)
    assert_one_line_error(run_inspect(folder), 2, prefix='')
    assert hostile.digests(folder) == before


def test_inspect_reports_a_stray_part_file(batch, tmp_path):
    """(10) A part-* file the manifest does not list was not reported."""
    folder = _dataset_copy(batch, tmp_path)
    (folder / 'part-00005-of-00009.tfrecord').write_bytes(b'not ours')
    run = run_inspect(folder)
    assert_finished(run)
    assert run.returncode == 1, run.describe()
    assert 'part-00005-of-00009.tfrecord' in run.stdout + run.stderr, run.describe()


# ---------------------------------------------------------------------------------------------
# The command line (items 8 and 10): refused before anything runs, in one line

def _folder(home):
    return home / 'notes'


USAGE_CASES = {
    'input_is_a_folder': lambda home: ['--input', _folder(home)],
    'vocab_file_is_a_folder': lambda home: ['--vocab_file', _folder(home)],
    'user_dict_is_a_folder': lambda home: ['--user_dict', _folder(home)],
    'similar_words_is_a_folder': lambda home: ['--mask_strategy', 'mac', '--similar_words',
                                                      _folder(home)],
    'unknown_runner': lambda home: ['--runner', 'NoSuchRunner'],
    'negative_workers': lambda home: ['--direct_num_workers=-3'],
    'output_under_proc': lambda home: ['--output_dir', '/proc/foo'],
    'fractional_dupe_factor': lambda home: ['--dupe_factor', '1.5'],
    'bad_boolean': lambda home: ['--jieba_hmm', 'off'],
    'huge_max_seq_length': lambda home: ['--max_seq_length', '100000'],
    'huge_num_shards': lambda home: ['--num_shards', '100000'],
    'fifo_input': lambda home: ['--input', home / 'pipe'],
}


@pytest.mark.parametrize('case', sorted(USAGE_CASES))
def test_usage_problem_is_one_line_exit_2(tmp_path, real_vocab_path, case):
    home = _home(tmp_path)
    os.mkfifo(home.root / 'pipe')
    home.seal()
    run = run_job(*small_job_args(real_vocab_path, home.root / DATASET, home.root / 'part-00000.txt'),
                  *USAGE_CASES[case](home.root), timeout=hostile.USAGE_SECONDS)
    assert_one_line_error(run, 2)
    assert not (home.root / DATASET).exists()
    home.assert_unchanged()


def test_sources_file_that_is_a_folder_is_one_line_exit_2(tmp_path, real_vocab_path):
    home = _home(tmp_path).seal()
    run = run_job('--sources', _folder(home.root), '--output_dir', home.root / DATASET,
                  '--vocab_file', real_vocab_path, timeout=hostile.USAGE_SECONDS)
    assert_one_line_error(run, 2)
    assert not (home.root / DATASET).exists()
    home.assert_unchanged()
