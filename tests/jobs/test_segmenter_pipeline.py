"""The job with each segmenter: end to end, byte-identical on a second run, exact alignment
counted in the manifest; wrong segmenter options stop it with one line and exit code 2."""
import hashlib
import importlib.util
import json
import subprocess
import sys

import pytest

from beam_jobs.build_pretraining_data import run
from tests.conftest import DEMO_CORPUS, ROOT
from tests.segmenter_models import BACKENDS, legacy_model, model_path, tiny_ltp_model  # noqa: F401

pytestmark = pytest.mark.job

CORPUS = str(DEMO_CORPUS / '*.txt')


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob('*')) if p.is_file()}


def _job(output_dir, vocab, *extra, corpus=CORPUS):
    args = ['--input', corpus, '--output_dir', str(output_dir), '--vocab_file', str(vocab),
            '--dupe_factor', '1', '--num_shards', '2'] + list(extra)
    assert run(args) == 0
    return json.loads((output_dir / 'manifest.json').read_text(encoding='utf-8'))


@pytest.mark.parametrize('backend', BACKENDS)
def test_job_runs_with_each_segmenter_and_repeats_byte_for_byte(request, backend, tmp_path, real_vocab_path):
    user_dict = tmp_path / 'user_dict.txt'
    user_dict.write_text('人工智能\n北京大学\n', encoding='utf-8')
    extra = ['--segmenter', backend, '--user_dict', str(user_dict)]
    if model_path(request, backend):
        extra += ['--segmenter_model', model_path(request, backend)]
    manifest = _job(tmp_path / 'first', real_vocab_path, *extra)
    assert manifest['options']['segmenter'] == backend
    assert manifest['options']['user_dict'] == str(user_dict)
    assert manifest['counts']['instances'] > 50
    assert manifest['counts']['unaligned_tokens'] == 0
    _job(tmp_path / 'second', real_vocab_path, *extra)
    assert _digests(tmp_path / 'second') == _digests(tmp_path / 'first')


def test_segmenters_give_different_masks(request, tmp_path, real_vocab_path):
    """The segmenter's words reach the masking groups: other words, other masked positions."""
    news = str(DEMO_CORPUS / 'news.txt')
    legacy = _job(tmp_path / 'legacy', real_vocab_path, '--segmenter', 'ltp_legacy',
                  '--segmenter_model', model_path(request, 'ltp_legacy'), corpus=news)
    jieba = _job(tmp_path / 'jieba', real_vocab_path, corpus=news)
    assert legacy['counts']['instances'] == jieba['counts']['instances'] > 10
    assert _digests(tmp_path / 'legacy') != _digests(tmp_path / 'jieba')


def test_neural_ltp_on_two_worker_processes_gives_the_same_bytes(tiny_ltp_model, tmp_path, real_vocab_path):
    extra = ['--segmenter', 'ltp', '--segmenter_model', tiny_ltp_model]
    _job(tmp_path / 'one', real_vocab_path, *extra)
    _job(tmp_path / 'two', real_vocab_path, *extra, '--direct_running_mode=multi_processing',
         '--direct_num_workers=2')
    assert _digests(tmp_path / 'two') == _digests(tmp_path / 'one')


def _error(capsys, *args) -> str:
    assert run(['--input', CORPUS, '--output_dir', '/nonexistent/out', *args]) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and err.startswith('build_pretraining_data: error: '), err
    return err


def test_wrong_segmenter_options_are_one_line_and_exit_2(capsys, tmp_path, tiny_ltp_model, legacy_model):
    garbage = tmp_path / 'garbage.bin'
    garbage.write_bytes(b'not a model')
    legacy_release = tmp_path / 'legacy_release'
    legacy_release.mkdir()
    (legacy_release / 'config.json').write_text('{"nerual": false, "tasks": {"cws": "cws_model.bin"}}')
    gbk = tmp_path / 'gbk.txt'
    gbk.write_bytes('深度学习'.encode('gb18030'))
    cases = [
        (['--segmenter', 'ltp'], '--segmenter ltp needs --segmenter_model'),
        (['--segmenter', 'ltp_legacy', '--segmenter_model', str(tmp_path / 'no.bin')],
         '--segmenter_model %s does not exist' % (tmp_path / 'no.bin')),
        (['--segmenter', 'ltp_legacy', '--segmenter_model', str(tmp_path)], 'is a folder; ltp_legacy needs a model file'),
        (['--segmenter', 'ltp_legacy', '--segmenter_model', str(garbage)],
         'cannot load LTP legacy model %s: wrong magic in header' % garbage),
        (['--segmenter', 'ltp', '--segmenter_model', str(tmp_path)], 'is not an LTP model folder: it has no config.json'),
        (['--segmenter', 'ltp', '--segmenter_model', legacy_model], 'is not an LTP model folder'),
        (['--segmenter', 'ltp', '--segmenter_model', str(legacy_release)],
         'is an LTP legacy model folder: use --segmenter ltp_legacy with its cws model file'),
        (['--segmenter_model', tiny_ltp_model], '--segmenter_model is used by ltp and ltp_legacy only, not by --segmenter jieba'),
        (['--user_dict', str(tmp_path / 'none.txt')], '--user_dict %s does not exist' % (tmp_path / 'none.txt')),
        (['--user_dict', str(gbk)], '--user_dict %s is not UTF-8' % gbk),
        (['--segmenter_batch_size', '0'], '--segmenter_batch_size and --segmenter_threads must be at least 1'),
    ]
    for args, message in cases:
        assert message in _error(capsys, *args), args


def test_ltp_without_its_packages_says_how_to_install(capsys, monkeypatch, tiny_ltp_model):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, 'find_spec',
                        lambda name, *rest: None if name == 'ltp' else real_find_spec(name, *rest))
    err = _error(capsys, '--segmenter', 'ltp', '--segmenter_model', tiny_ltp_model)
    assert '--segmenter ltp needs ltp: pip install "zh-wwm-data[ltp]"' in err


def test_a_missing_model_stops_the_job_before_it_starts_without_a_traceback(tmp_path):
    result = subprocess.run([sys.executable, '-m', 'beam_jobs.build_pretraining_data', '--input', CORPUS,
                             '--output_dir', str(tmp_path / 'out'), '--segmenter', 'ltp_legacy',
                             '--segmenter_model', str(tmp_path / 'absent' / 'cws_model.bin')],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stderr.count('\n') == 1, result.stderr
    assert 'does not exist' in result.stderr and not (tmp_path / 'out').exists()
