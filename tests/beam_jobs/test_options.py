"""Wrong options stop before any pipeline is built, with one clear line and exit code 2."""
import os

import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from beam_jobs.config import build_config
from beam_jobs.failures import UsageError
from tests.cli import refused_options_stderr, run_job_cli
from tests.conftest import DEMO_CORPUS


@pytest.mark.parametrize('args, message', [
    (['--vocab_file', '/nonexistent/vocab.txt'], '--vocab_file /nonexistent/vocab.txt does not exist'),
    (['--max_predictions_per_seq', '200'], '--max_predictions_per_seq must be between 1 and'),
    (['--segmenter', 'nosuch'], "unknown --segmenter 'nosuch'"),
    (['--convert', 'x2y'], "unknown --convert 'x2y'"),
    (['--masked_lm_prob', '0'], '--masked_lm_prob must be in (0, 1]'),
    (['--dupe_factr', '3'], 'unknown option(s): --dupe_factr'),
    (['--sort_temp_dir', str(DEMO_CORPUS / 'news.txt')], 'news.txt is a file, not a folder'),
    (['--sort_temp_dir', str(DEMO_CORPUS / 'news.txt' / 'runs')], 'news.txt is a file, not a folder'),
])
def test_bad_option_is_one_line_and_exit_2(tmp_path, args, message):
    assert message in refused_options_stderr(tmp_path, *args)


def test_an_output_folder_inside_a_file_is_refused(tmp_path):
    result = run_job_cli('--input', str(DEMO_CORPUS / '*.txt'),
                         '--output_dir', str(DEMO_CORPUS / 'news.txt' / 'out'))
    assert result.returncode == 2 and result.stderr.count('\n') == 1, result.stderr
    assert 'news.txt is a file, not a folder' in result.stderr


@pytest.mark.parametrize('option', ['--output_dir', '--sort_temp_dir'])
def test_a_folder_without_write_permission_is_refused(tmp_path, option, monkeypatch):
    """Checked on the nearest folder that exists. Run as root, where a folder's mode stops
    nothing, the test also denies os.access for it, as the kernel does for other users."""
    locked = tmp_path / 'locked'
    locked.mkdir(mode=0o555)
    if os.access(locked, os.W_OK):
        real_access = os.access
        monkeypatch.setattr(os, 'access', lambda path, mode: (
            str(path) != str(locked) and real_access(path, mode)))
    options = PipelineOptions(['--input', str(DEMO_CORPUS / '*.txt'), '--output_dir',
                               str(tmp_path / 'out'), option, str(locked / 'new' / 'deeper')])
    try:
        with pytest.raises(UsageError, match='no permission to write in %s$' % locked):
            build_config(options)
    finally:
        locked.chmod(0o755)


def test_no_input_matched(tmp_path):
    result = run_job_cli('--input', str(tmp_path / 'nothing*.txt'), '--output_dir', str(tmp_path / 'out'))
    assert result.returncode == 2 and 'no input file matched' in result.stderr
    assert result.stderr.count('\n') == 1


def test_missing_required_options(tmp_path):
    result = run_job_cli('--output_dir', str(tmp_path / 'out'))
    assert result.returncode == 2 and '--input is required' in result.stderr


def test_vocab_without_special_tokens_is_refused(tmp_path):
    vocab = tmp_path / 'vocab.txt'
    vocab.write_text('a\nb\n', encoding='utf-8')
    result = run_job_cli('--input', str(DEMO_CORPUS / '*.txt'), '--output_dir', str(tmp_path / 'out'),
                  '--vocab_file', str(vocab))
    assert result.returncode == 2 and 'lacks the special token(s) [PAD]' in result.stderr


def test_existing_dataset_needs_overwrite(tmp_path):
    args = ['--input', str(DEMO_CORPUS / 'news.txt'), '--output_dir', str(tmp_path / 'out'),
            '--dupe_factor', '1', '--vocab_size', '2000', '--num_shards', '2']
    assert run_job_cli(*args).returncode == 0
    again = run_job_cli(*args)
    assert again.returncode == 2 and 'pass --overwrite' in again.stderr
    assert run_job_cli(*args, '--overwrite').returncode == 0
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == [
        'manifest.json', 'part-00000-of-00002.tfrecord', 'part-00001-of-00002.tfrecord', 'vocab.txt']
