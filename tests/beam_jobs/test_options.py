"""Wrong options stop before any pipeline is built, with one clear line and exit code 2."""
import json
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
    (['--max_seq_length', '128', '512'], 'unexpected value(s) 512: an option takes one value'),
    (['--vocab_file', str(DEMO_CORPUS / 'news.txt'), '--tokenizer', str(DEMO_CORPUS / 'news.txt')],
     '--vocab_file and --tokenizer are mutually exclusive'),
    (['--tokenizer', str(DEMO_CORPUS / 'news.txt')], 'news.txt: not a tokenizers tokenizer.json'),
    (['--special_tokens', 'cls=<s>'], '--special_tokens is only used with --tokenizer'),
    (['--special_tokens', 'first=<s>'], "--special_tokens: expected ROLE=TOKEN with ROLE one of"),
    (['--train_tokenizer', 'unigram'], "unknown --train_tokenizer 'unigram'"),
    (['--train_tokenizer', 'bpe', '--mask_strategy', 'mac', '--similar_words', str(DEMO_CORPUS / 'news.txt')],
     '--similar_words replaces words by WordPiece tokens: it needs a BERT vocab'),
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


def _tokenizer_with_other_names(path) -> str:
    """A WordLevel tokenizer.json whose special tokens have neither BERT's nor RoBERTa's names."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {name: index for index, name in enumerate(
        ['<|pad|>', '<|unk|>', '<|begin|>', '<|end|>', '<|mask|>'] + list('我们说好今天的是。'))}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token='<|unk|>'))
    tokenizer.pre_tokenizer = pre_tokenizers.Split('', 'isolated')
    tokenizer.save(str(path))
    return str(path)


def test_special_tokens_of_other_names_are_asked_for_then_used(tmp_path):
    tokenizer = _tokenizer_with_other_names(tmp_path / 'tokenizer.json')
    stderr = refused_options_stderr(tmp_path, '--tokenizer', tokenizer)
    assert 'no cls, sep, mask, pad token found (looked for [CLS]/<s> or [SEP]/</s>' in stderr
    assert 'name it with --special_tokens cls=TOKEN' in stderr
    out = tmp_path / 'named'
    result = run_job_cli('--input', str(DEMO_CORPUS / 'news.txt'), '--output_dir', str(out),
                         '--tokenizer', tokenizer, '--num_shards', '1', '--special_tokens',
                         'cls=<|begin|>,sep=<|end|>,mask=<|mask|>,pad=<|pad|>,unk=<|unk|>')
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / 'manifest.json').read_text(encoding='utf-8'))
    assert manifest['vocab']['special_tokens']['cls'] == ['<|begin|>', 2]
    assert manifest['counts']['unknown_tokens'] > 0   # most characters are not in this tiny vocab
