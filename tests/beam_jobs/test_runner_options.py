"""Options that only make sense on one runner are refused before anything is submitted: one line on
stderr, exit code 2; and the runner a local run uses."""
import os
import subprocess
import sys

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner.fn_runner import FnApiRunner

from beam_jobs.build_pretraining_data import run
from beam_jobs.config import build_config
from beam_jobs.runner_options import local_runner, runner_family
from tests.conftest import DEMO_CORPUS, ROOT

DATAFLOW = {'runner': 'DataflowRunner', 'project': 'my-project', 'region': 'europe-west4',
            'temp_location': 'gs://bucket/tmp', 'setup_file': './setup.py',
            'input': 'gs://bucket/corpus/*.txt', 'output_dir': 'gs://bucket/out',
            'vocab_file': 'gs://bucket/vocab.txt'}
PORTABLE = {'input': str(DEMO_CORPUS / '*'), 'output_dir': '/tmp/never-written',
            'vocab_file': str(DEMO_CORPUS / 'news.txt')}


def _argv(base: dict, **changes) -> list:
    options = dict(base, **changes)
    return ['--%s=%s' % (name, value) for name, value in options.items() if value is not None]


@pytest.mark.parametrize('argv, message', [
    (_argv(DATAFLOW, direct_num_workers=4),
     '--direct_num_workers only applies to the DirectRunner, not --runner=DataflowRunner'),
    (_argv(DATAFLOW, temp_location=None), '--runner=DataflowRunner needs --temp_location'),
    (_argv(DATAFLOW, project=None), '--runner=DataflowRunner needs --project'),
    (_argv(DATAFLOW, temp_location='/tmp/x'), '--temp_location must be a gs:// path on Dataflow'),
    (_argv(DATAFLOW, output_dir='out'), '--output_dir out is a local path: Dataflow workers cannot'),
    (_argv(DATAFLOW, vocab_file='vocab.txt'), '--vocab_file vocab.txt is a local path'),
    (_argv(DATAFLOW, input='corpus/*.txt'), '--input corpus/*.txt is a local path'),
    (_argv(DATAFLOW, vocab_file=None, tokenizer='tok.json'), '--tokenizer tok.json is a local path'),
    (_argv(DATAFLOW, setup_file=None), 'needs --setup_file ./setup.py or --sdk_container_image'),
    (_argv(PORTABLE, runner='PortableRunner'), '--runner=PortableRunner needs --job_endpoint'),
    (_argv(PORTABLE, runner='FlinkRunner', flink_master='localhost:8081'),
     '--runner=FlinkRunner needs --job_endpoint'),
    (_argv(PORTABLE, runner='PortableRunner', job_endpoint='localhost:8099',
           environment_type='EXTERNAL'),
     '--environment_type=EXTERNAL needs --environment_config (the worker pool address'),
    (_argv(PORTABLE, runner='FlinkRunner', job_endpoint='localhost:8099',
           direct_running_mode='multi_processing'),
     '--direct_running_mode only applies to the DirectRunner, not --runner=FlinkRunner'),
])
def test_runner_only_option_is_one_line_and_exit_2(argv, message, capsys):
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and message in err, err


def test_cli_reports_a_runner_problem_with_exit_code_2(tmp_path):
    result = subprocess.run(
        [sys.executable, '-m', 'beam_jobs.build_pretraining_data',
         *_argv(PORTABLE, runner='PortableRunner', output_dir=str(tmp_path / 'out'))],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr == ('build_pretraining_data: error: --runner=PortableRunner needs '
                             '--job_endpoint (the job server, e.g. localhost:8099 for the Flink job '
                             'server of deploy/flink); without it Beam downloads one\n')
    assert not (tmp_path / 'out').exists()


@pytest.mark.parametrize('argv, family, fn_api', [
    ([], 'local', True),
    (['--runner=DirectRunner', '--direct_running_mode=multi_processing'], 'local', True),
    (['--runner=PrismRunner'], 'local', False),
    (['--runner=FnApiRunner'], 'local', False),
    (['--runner=PortableRunner'], 'portable', False),
    (['--runner=apache_beam.runners.portability.flink_runner.FlinkRunner'], 'portable', False),
    (['--runner=DataflowRunner'], 'dataflow', False),
])
def test_a_direct_runner_job_runs_on_the_fn_api_runner(argv, family, fn_api):
    options = PipelineOptions(argv)
    assert runner_family(options) == family
    runner = local_runner(options)  # None: Beam creates the runner --runner names
    assert (runner is not None
            and isinstance(beam.Pipeline(runner=runner, options=options).runner, FnApiRunner)) == fn_api


def test_local_paths_are_made_absolute_for_workers_in_other_folders(monkeypatch):
    monkeypatch.chdir(ROOT)
    config = build_config(PipelineOptions(['--input', 'examples/demo_corpus/*.txt', '--output_dir', 'out',
                                           '--vocab_file', 'examples/demo_corpus/news.txt']))
    assert config.inputs.input == (str(ROOT / 'examples' / 'demo_corpus' / '*.txt'),)
    assert config.output.output_dir == str(ROOT / 'out') and os.path.isabs(config.tokenization.vocab_file)
    assert [f.path for f in config.files] == [str(ROOT / 'examples' / 'demo_corpus' / name)
                                           for name in ('news.txt', 'wiki.txt')]


def test_local_runs_pass_fixed_malloc_thresholds_to_their_workers(monkeypatch):
    from beam_jobs.runner_options import MALLOC_SETTINGS, bound_native_memory
    monkeypatch.setenv('MALLOC_MMAP_THRESHOLD_', 'restored after the test')
    monkeypatch.delenv('MALLOC_MMAP_THRESHOLD_')
    monkeypatch.setenv('MALLOC_TRIM_THRESHOLD_', '4194304')  # the user's own setting wins
    bound_native_memory()
    import os
    assert os.environ['MALLOC_MMAP_THRESHOLD_'] == MALLOC_SETTINGS['MALLOC_MMAP_THRESHOLD_']
    assert os.environ['MALLOC_TRIM_THRESHOLD_'] == '4194304'


def test_a_dotted_runner_path_is_checked():
    """A runner given as module.Class is imported to check it (it raised NameError before)."""
    from beam_jobs.runner_options import _unknown_runner
    assert _unknown_runner(PipelineOptions(['--runner', 'apache_beam.runners.direct.DirectRunner'])) == ''
    assert 'has no NoSuch' in _unknown_runner(PipelineOptions(['--runner', 'apache_beam.runners.direct.NoSuch']))
