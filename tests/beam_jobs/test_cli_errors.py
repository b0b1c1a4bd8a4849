"""The job's command line (and train_segmenter's) on bad options and failing runs, as a user meets
them: one line on stderr (never a usage dump or a traceback), a defined exit code (2 usage, 1
failure or empty run, 130 Ctrl-C) and nothing left in the output folder."""
import errno
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest
from apache_beam.io.filesystems import FileSystems

from beam_jobs.build_pretraining_data import run
from beam_jobs.config import build_config
from beam_jobs.failures import UsageError
from beam_jobs.options import parse_options
from schemas.output_layout import INCOMPLETE_DIR, RUN_MARKER_NAME
from tests.cli import assert_one_error_line, run_job_cli, start_job_cli
from tests.conftest import DEMO_CORPUS, ROOT
from wwm.tokens.vocab import SPECIAL_TOKENS

DETAILS = re.compile(r' \(details in (\S+)\)$')


def _files_under(folder) -> list:
    """Every file under ``folder`` (none if it does not exist)."""
    return sorted(str(p) for p in folder.rglob('*') if not p.is_dir()) if folder.exists() else []


def _folder(tmp_path) -> str:
    folder = tmp_path / 'a_folder'
    folder.mkdir()
    (folder / 'news.txt').write_bytes((DEMO_CORPUS / 'news.txt').read_bytes())
    return str(folder)


def _fifo(tmp_path) -> str:
    path = tmp_path / 'corpus.fifo'
    os.mkfifo(path)
    return str(path)


# (option values built in tmp_path, a part of the expected message). Without --input or --sources
# the demo corpus is the input.
USAGE_ERRORS = {
    'folder as --input': (lambda t: ['--input', _folder(t)], 'a_folder is a folder, not a file'),
    'folder as --vocab_file': (lambda t: ['--vocab_file', _folder(t)],
                               '--vocab_file %s is a folder, not a file'),
    'folder as --user_dict': (lambda t: ['--user_dict', _folder(t)], '--user_dict %s is a folder'),
    'folder as --similar_words': (lambda t: ['--mask_strategy', 'mac', '--similar_words', _folder(t)],
                                  '--similar_words %s is a folder'),
    'folder as --sources': (lambda t: ['--sources', _folder(t)], '--sources %s is a folder'),
    'FIFO as --input': (lambda t: ['--input', _fifo(t)], 'is not a regular file (a FIFO'),
    'device as --input': (lambda t: ['--input', os.devnull], '%s is not a regular file' % os.devnull),
    'unknown --runner': (lambda t: ['--runner', 'NoSuchRunner'], 'unknown --runner NoSuchRunner'),
    'negative --direct_num_workers': (lambda t: ['--direct_num_workers=-3'],
                                      '--direct_num_workers must be at least 0'),
    '--output_dir in /proc': (lambda t: ['--output_dir', '/proc/zh-wwm-data-test/out'],
                              '--output_dir /proc/zh-wwm-data-test/out: '),
    'a fraction for an int': (lambda t: ['--dupe_factor', '1.5'],
                              "argument --dupe_factor: invalid int value: '1.5'"),
    'off for a boolean': (lambda t: ['--jieba_hmm', 'off'],
                          "argument --jieba_hmm: expected true or false, got 'off'"),
    '--max_seq_length over the cap': (lambda t: ['--max_seq_length', '100000'],
                                      '--max_seq_length must be between 5 and 8192, got 100000'),
    '--num_shards over the cap': (lambda t: ['--num_shards', '10001'],
                                  '--num_shards must be between 1 and 10000, got 10001'),
}


@pytest.mark.parametrize('case', sorted(USAGE_ERRORS))
def test_a_usage_error_is_one_line_exit_2_and_writes_nothing(tmp_path, case):
    make_args, expected = USAGE_ERRORS[case]
    args = make_args(tmp_path)
    out = tmp_path / 'out'
    inputs = [] if {'--input', '--sources'} & set(args) else ['--input', str(DEMO_CORPUS / '*.txt')]
    result = run_job_cli(*inputs, '--output_dir', str(out), *args)
    assert result.returncode == 2, result.stderr
    message = assert_one_error_line(result.stderr)
    assert (expected % str(tmp_path / 'a_folder') if '%s' in expected else expected) in message
    assert not out.exists() and not os.path.exists('/proc/zh-wwm-data-test')


def test_the_write_probe_removes_the_folders_it_made(tmp_path):
    """--output_dir is probed by creating it (and its parents) and a file in it; a run refused later
    (here: no input matched) finds the folder as it was."""
    options = parse_options(['--input', str(tmp_path / 'nothing*.txt'),
                             '--output_dir', str(tmp_path / 'new' / 'deeper' / 'out')])
    with pytest.raises(UsageError, match='no input file matched'):
        build_config(options)
    assert sorted(os.listdir(tmp_path)) == []


def test_input_names_with_commas_and_brackets_are_taken_as_they_are(tmp_path):
    """An --input that names an existing file is that file: its comma does not split it, its [1]
    is no glob (which would match book1.txt)."""
    corpus = tmp_path / 'corpus'
    corpus.mkdir()
    shutil.copy(DEMO_CORPUS / 'news.txt', corpus / 'notes,2020.txt')
    shutil.copy(DEMO_CORPUS / 'wiki.txt', corpus / 'book[1].txt')
    shutil.copy(DEMO_CORPUS / 'news.txt', corpus / 'book1.txt')
    out = tmp_path / 'out'
    result = run_job_cli('--input', str(corpus / 'notes,2020.txt'), '--input', str(corpus / 'book[1].txt'),
                         '--output_dir', str(out), '--vocab_size', '2000', '--dupe_factor', '1',
                         '--num_shards', '1')
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / 'manifest.json').read_text(encoding='utf-8'))
    assert manifest['options']['input_files'] == ['book[1].txt', 'notes,2020.txt']


def test_a_multiprocess_run_prints_nothing_on_stderr(tmp_path):
    """Beam's warnings (each worker's options, its staging folder) go to the run's log file, which
    a run that succeeds deletes."""
    result = run_job_cli('--input', str(DEMO_CORPUS / '*'), '--output_dir', str(tmp_path / 'out'),
                         '--vocab_size', '2000', '--dupe_factor', '1', '--num_shards', '2',
                         '--direct_running_mode=multi_processing', '--direct_num_workers=2',
                         env=dict(os.environ, TMPDIR=str(tmp_path)))
    assert result.returncode == 0 and result.stderr == '', result.stderr
    assert not list(tmp_path.glob('build_pretraining_data-*.log'))


@pytest.mark.parametrize('allow_empty', [False, True])
def test_a_run_that_makes_no_instance_says_why(tmp_path, allow_empty):
    """Every line malformed: the dataset (and its manifest, for the rejects) is written, and without
    --allow_empty the run fails with the counts that explain it."""
    corpus = tmp_path / 'broken.jsonl'
    corpus.write_text(''.join('{"text": "第%d篇文章没有写完\n' % index for index in range(7)),
                      encoding='utf-8')
    out = tmp_path / 'out'
    result = run_job_cli('--input', str(corpus), '--input_format', 'jsonl', '--output_dir', str(out),
                         '--vocab_size', '2000', *(['--allow_empty'] if allow_empty else []))
    assert (out / 'manifest.json').exists()
    if allow_empty:
        assert result.returncode == 0 and result.stderr == '', result.stderr
    else:
        assert result.returncode == 1
        assert assert_one_error_line(result.stderr) == (
            'no instance was made: 7 documents read, dropped: malformed_json 7; pass --allow_empty '
            'to accept an empty dataset')


def _random_corpus(path, documents: int) -> list:
    """Distinct documents of random common ideographs (they pass every filter and dedup); returns
    the characters used."""
    rng = random.Random(31)
    chars = [chr(code) for code in range(0x4E00, 0x4E00 + 3000)]
    with open(path, 'w', encoding='utf-8') as handle:
        for _ in range(documents):
            handle.write(''.join(''.join(rng.choice(chars) for _ in range(rng.randint(8, 30))) + '。'
                                 for _ in range(20)) + '\n\n')
    return chars + ['。']


def _vocab(path, chars) -> str:
    path.write_text('\n'.join(list(SPECIAL_TOKENS) + chars + ['##' + c for c in chars]) + '\n',
                    encoding='utf-8')
    return str(path)


def test_ctrl_c_is_one_line_exit_130_and_leaves_no_file(tmp_path):
    """SIGINT while the pipeline runs (its run marker written): the run's files are removed, no
    manifest is written. The corpus takes well over 10 s; the signal comes about 2 s in."""
    chars = _random_corpus(tmp_path / 'corpus.txt', documents=1500)
    out = tmp_path / 'out'
    job = start_job_cli('--input', str(tmp_path / 'corpus.txt'), '--output_dir', str(out),
                        '--vocab_file', _vocab(tmp_path / 'vocab.txt', chars))

    def running():
        deadline = time.monotonic() + 60
        while not (out / RUN_MARKER_NAME).exists() and job.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(2)
        assert job.poll() is None, job.communicate()

    code, stderr = _interrupted(job, running)
    assert code == 130, stderr
    assert stderr == 'build_pretraining_data: interrupted\n'
    assert _files_under(out) == []


def test_ctrl_c_while_the_job_starts_is_one_line_exit_130(tmp_path):
    """SIGINT while the command still imports Beam (the first second or so): no traceback."""
    job = start_job_cli('--input', str(tmp_path / 'none.txt'), '--output_dir', str(tmp_path / 'out'))
    code, stderr = _interrupted(job, lambda: time.sleep(0.3))
    assert code == 130, stderr
    assert stderr == 'build_pretraining_data: interrupted\n'


def _interrupted(job, wait) -> tuple:
    """(exit code, stderr) of ``job`` sent SIGINT once ``wait()`` returns; killed if it outlives
    the test."""
    try:
        wait()
        job.send_signal(signal.SIGINT)
        _, stderr = job.communicate(timeout=60)
    finally:
        if job.poll() is None:
            job.kill()
            job.communicate()
    return job.returncode, stderr


class _FullDisk:
    """A file handle on a full disk: every write fails with ENOSPC."""

    def __init__(self, handle, path):
        self._handle, self._path = handle, path

    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self._path)

    def close(self):
        self._handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def test_a_full_disk_is_one_line_exit_1_with_a_log_and_leaves_no_file(tmp_path, monkeypatch, capsys):
    """The disk fills while the shards are sorted (the in-process runner, where the patch applies):
    one line naming the log file, which holds the traceback; the run's files are removed."""
    real_create = FileSystems.create

    def create(path, *args, **kwargs):
        handle = real_create(path, *args, **kwargs)
        return _FullDisk(handle, path) if '/%s/' % INCOMPLETE_DIR in path else handle

    monkeypatch.setattr(FileSystems, 'create', create)
    monkeypatch.setattr(tempfile, 'tempdir', str(tmp_path))
    out = tmp_path / 'out'
    status = run(['--input', str(DEMO_CORPUS / '*'), '--output_dir', str(out), '--vocab_size', '2000',
                  '--dupe_factor', '1', '--num_shards', '2'])
    message = assert_one_error_line(capsys.readouterr().err)
    assert status == 1
    assert message.startswith('the disk is full writing %s/%s/' % (out, INCOMPLETE_DIR)), message
    log = DETAILS.search(message).group(1)
    assert os.path.dirname(log) == str(tmp_path)
    text = open(log, encoding='utf-8').read()
    assert 'Traceback' in text and 'No space left on device' in text
    assert _files_under(out) == []


def _file_size_limit(limit: int):
    """For preexec_fn: files of the process and its children stop at ``limit`` bytes (a write past
    it fails with EFBIG instead of killing the process with SIGXFSZ)."""
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_failed_worker_is_one_line_exit_1_with_its_traceback_in_the_log(tmp_path):
    """A real write failure (the file size limit) in a worker process of a multi-processing run:
    the worker prints its traceback on its own stderr, which goes to the log file, not the terminal."""
    out = tmp_path / 'out'
    result = run_job_cli('--input', str(DEMO_CORPUS / '*'), '--output_dir', str(out), '--vocab_size', '2000',
                         '--direct_running_mode=multi_processing', '--direct_num_workers=2',
                         preexec_fn=_file_size_limit(200 << 10))
    assert result.returncode == 1, result.stderr
    message = assert_one_error_line(result.stderr)
    assert message.startswith('a file reached the file size limit (ulimit -f)'), message
    log = DETAILS.search(message).group(1)
    try:
        text = open(log, encoding='utf-8').read()
    finally:
        os.remove(log)
    assert 'Traceback' in text and 'File too large' in text
    assert _files_under(out) == []


@pytest.mark.parametrize('args, message', [
    (['--train_file', '{folder}', '--eval_file', '{folder}'],
     '--train_file {folder} is a folder, not a file'),
    (['--train_file', '{folder}', '--eval_file', '{folder}', '--epochs', '1.5'],
     "argument --epochs: invalid int value: '1.5'"),
])
def test_train_segmenter_usage_errors_are_one_line_and_exit_2(tmp_path, args, message):
    pytest.importorskip('ltp_extension')  # checked before the files
    folder = _folder(tmp_path)
    result = subprocess.run([sys.executable, '-m', 'beam_jobs.train_segmenter',
                             *[arg.format(folder=folder) for arg in args],
                             '--output_model', str(tmp_path / 'model.bin')],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr == 'train_segmenter: error: %s\n' % message.format(folder=folder)
    assert not (tmp_path / 'model.bin').exists()
