"""What the job prints when it is done (which dataset, what went in and came out, the trainer's flags,
the run's time and throughput, the next step), and its warning when --max_predictions_per_seq was
defaulted to another value than BERT's README passes Google's run_pretraining.py."""
import pytest

from beam_jobs.build_pretraining_data import run_summary, summary
from beam_jobs.config import predictions_warning
from beam_jobs.options import parse_options
from schemas.manifest import build_manifest
from schemas.records import ShardInfo
from tests.cli import run_job_cli
from tests.conftest import DEMO_CORPUS

WARNING_512 = ("build_pretraining_data: warning: --max_seq_length 512 without --max_predictions_per_seq: "
               "using 77; Google's run_pretraining.py must then get --max_predictions_per_seq=77 "
               "(BERT's README uses 80: pass --max_predictions_per_seq 80 to match it)")


def _manifest(masking: str, **counts) -> dict:
    """A manifest of a made-up dataset at length 512: two tfrecord shards of 3 and 4 records."""
    options = {'max_seq_length': 512, 'max_predictions_per_seq': 77, 'mask_strategy': 'ngram'}
    counts = dict({'documents_read': 10, 'documents_kept': 9, 'sentences': 50, 'tokens': 900,
                   'instances': 7, 'characters_read': 1200}, **counts)
    shards = [ShardInfo('part-00000', 3, 100, 'a'), ShardInfo('part-00001', 4, 120, 'b')]
    return build_manifest(options, {}, sorted(counts.items()), masking, {'tfrecord': {'shards': shards}}, [])


def test_static_summary_names_the_dataset_its_masks_and_the_trainers_flags():
    lines = summary(_manifest('static', masked_tokens=130)).splitlines()
    assert lines == [
        'max_seq_length 512, max_predictions_per_seq 77: static masking, strategy ngram',
        'documents read 10, kept 9, dropped none',
        'sentences 50, tokens 900, instances 7, masked tokens 130',
        '[UNK] none',
        'tfrecord: 2 shards, 7 records',
        'run_pretraining.py flags: --max_seq_length=512 --max_predictions_per_seq=77']


def test_dynamic_summary_says_masks_are_drawn_at_training_time():
    text = summary(_manifest('dynamic'))
    assert text.splitlines()[0] == 'max_seq_length 512: dynamic masking, strategy ngram'
    assert 'sentences 50, tokens 900, instances 7, masked at training time' in text.splitlines()
    assert 'masked tokens' not in text and 'run_pretraining.py' not in text


@pytest.mark.parametrize('elapsed_s, shown', [(4.25, '4.2 s'), (725, '12 min 05 s'), (11220, '3 h 07 min')])
def test_run_summary_gives_wall_time_throughput_and_the_inspect_command(elapsed_s, shown):
    lines = run_summary(elapsed_s, 1234567, '/data/out').splitlines()
    assert lines == ['elapsed %s, 1,234,567 input characters read (%s characters/s)'
                     % (shown, format(1234567 / elapsed_s, ',.0f')),
                     'next: python -m beam_jobs.inspect /data/out']


def _warning(*args):
    return predictions_warning(parse_options(['--input', 'x', '--output_dir', 'y', *args]))


def test_defaulted_predictions_are_warned_about_where_bert_readme_differs():
    assert 'build_pretraining_data: warning: ' + _warning('--max_seq_length', '512') == WARNING_512
    both = _warning('--max_seq_length', '128', '--max_seq_length', '512')
    assert both.startswith('--max_seq_length 128, 512 without --max_predictions_per_seq: using 20, 77;')
    assert "must then get --max_predictions_per_seq=77 for seq512 (BERT's README uses 80 at 512: pass " \
           '--max_predictions_per_seq 20 --max_predictions_per_seq 80 to match it)' in both
    assert 'using 39' in _warning('--max_seq_length', '256')
    assert 'using 26' in _warning('--masked_lm_prob', '0.2')  # 128 at 0.2: not the README's 20


@pytest.mark.parametrize('args', [
    (), ('--max_seq_length', '128'), ('--max_seq_length', '512', '--max_predictions_per_seq', '77'),
    ('--max_seq_length', '512', '--masking', 'dynamic')])
def test_no_warning_where_predictions_are_given_match_the_readme_or_unused(args):
    assert _warning(*args) is None


@pytest.mark.parametrize('lengths', [(), ('--max_seq_length', '512')])
def test_the_job_warns_once_before_the_run_and_ends_with_the_datasets_folder(tmp_path, lengths):
    out = tmp_path / 'out'
    result = run_job_cli('--input', str(DEMO_CORPUS / '*'), '--output_dir', str(out), '--vocab_size', '3000',
                         '--dupe_factor', '1', *lengths)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines().count(WARNING_512) == (1 if lengths else 0), result.stderr
    assert 'max_predictions_per_seq' not in result.stderr.replace(WARNING_512, '')
    stdout = result.stdout.splitlines()
    assert stdout[-3].startswith('elapsed ') and stdout[-3].endswith(' characters/s)')
    assert stdout[-2:] == ['next: python -m beam_jobs.inspect %s' % out, 'dataset written to %s' % out]
