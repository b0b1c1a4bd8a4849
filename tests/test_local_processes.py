"""Standby workers of local multi-processing runs (beam_jobs/local_processes.py): Beam's workers
run in them, one prepared process forks the others, runs with more workers than standbys or none
still work, nothing is left behind, a failing worker is reported, and the job's command gives the
bytes of an in-process run."""
import os
import pathlib
import subprocess
import sys
import time

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from beam_jobs import local_processes
from beam_jobs.local_processes import STANDBY_DIR_ENV, StandbyWorkers, local_worker_count
from beam_jobs.runner_options import local_runner
from benchmarks.process_monitor import child_pids, cpu_seconds
from tests.conftest import ROOT
from tests.job_runs import DEMO, digests, job_args
from wwm.segmenters import jieba_backend


@pytest.mark.parametrize('args, count', [
    (['--direct_running_mode=multi_processing', '--direct_num_workers=3'], 3),
    (['--direct_running_mode', 'multi_processing', '--direct_num_workers', '2',
      '--runner=DirectRunner'], 2),
    (['--direct_running_mode=multi_processing', '--direct_num_workers=0'], os.cpu_count()),
    (['--direct_running_mode=multi_processing'], 1),
    (['--direct_num_workers=4'], 0),  # in_memory: no worker process
    (['--direct_running_mode=multi_threading', '--direct_num_workers=4'], 0),
    (['--runner=DataflowRunner', '--direct_running_mode=multi_processing'], 0),
    (['--runner=PrismRunner', '--direct_running_mode=multi_processing'], 0),
])
def test_standbys_are_counted_from_the_runner_arguments(args, count):
    assert local_worker_count(['--input', 'x', *args]) == count


class _MarkWorker(beam.DoFn):
    """Writes the worker's pid and parent pid to a file named after them."""

    def __init__(self, folder: str):
        self._folder = folder

    def process(self, element):
        name = 'worker-%d-%d' % (os.getpid(), os.getppid())
        with open(os.path.join(self._folder, name), 'w', encoding='utf-8'):
            pass
        yield element


def _workers(folder: pathlib.Path) -> set:
    return {tuple(int(part) for part in marker.name.split('-')[1:]) for marker in folder.glob('worker-*')}


def _run_marked(folder: pathlib.Path, workers: int) -> None:
    options = PipelineOptions(['--direct_running_mode=multi_processing',
                               '--direct_num_workers=%d' % workers])
    with beam.Pipeline(runner=local_runner(options), options=options) as pipeline:
        _ = (pipeline | beam.Create(range(40)) | beam.Reshuffle()
             | beam.ParDo(_MarkWorker(str(folder))))


def _alive(pid: int) -> bool:
    try:
        return pathlib.Path('/proc/%d/stat' % pid).read_text().rpartition(')')[2].split()[0] != 'Z'
    except OSError:
        return False


def _started_standbys(count: int):
    """StandbyWorkers(count), the process this process started, and those it forked (once it has)."""
    before = set(child_pids(os.getpid()))
    standby = StandbyWorkers(count)
    started = set(child_pids(os.getpid())) - before
    assert len(started) == 1, started  # one process, which forks the others once prepared
    prepared = next(iter(started))
    deadline = time.monotonic() + 120
    while len(child_pids(prepared)) < count - 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    return standby, prepared, set(child_pids(prepared))


def test_beams_workers_run_in_the_standbys(tmp_path):
    """The standbys are this process's child and the processes it forked; a worker Beam starts
    itself would be a child of its shell."""
    standby, prepared, forked = _started_standbys(2)
    with standby:
        _run_marked(tmp_path, workers=2)
    workers = _workers(tmp_path)
    assert len(forked) == 1
    assert {parent for _, parent in workers} == {os.getpid(), prepared}, workers
    assert {pid for pid, _ in workers} == {prepared} | forked


def test_workers_beyond_the_standbys_start_on_their_own(tmp_path):
    with StandbyWorkers(1):
        _run_marked(tmp_path, workers=3)
    workers = _workers(tmp_path)
    assert workers and sum(parent == os.getpid() for _, parent in workers) <= 1, workers


def test_standbys_fork_once_prepared_and_end_without_work_leaving_nothing_behind():
    """The forked standbys share the imports and jieba's dictionary of the first: they spent
    almost no CPU of their own."""
    standby, prepared, forked = _started_standbys(3)
    folder = os.environ[STANDBY_DIR_ENV]
    assert len(forked) == 2
    assert all(cpu_seconds(pid) < 0.2 * cpu_seconds(prepared) for pid in forked)
    standby.close()
    assert not any(_alive(pid) for pid in forked | {prepared})
    assert STANDBY_DIR_ENV not in os.environ and not os.path.exists(folder)


def test_a_worker_that_fails_in_a_standby_reports_it():
    """The worker command returns the standby's failure (here: Beam finds no control service)
    instead of waiting for it forever."""
    with StandbyWorkers(1):
        environment = dict(os.environ)
        result = subprocess.run([sys.executable, '-m', local_processes.__name__], cwd=ROOT,
                                env=environment, capture_output=True, text=True, timeout=120)
        folder = pathlib.Path(environment[STANDBY_DIR_ENV])
        assert result.returncode == 1
        assert not list(folder.glob('*.free'))  # it was the standby that ran it


def test_jieba_backend_takes_a_preloaded_dictionary_once():
    sentence = '研究生命起源的科学家在实验室里'
    fresh = jieba_backend.JiebaBackend().segment([sentence])
    jieba_backend.preload_dictionary()
    with_user_word = jieba_backend.JiebaBackend(user_dict='生命起源\n'.encode('utf-8'))
    assert not jieba_backend._PRELOADED  # taken by the first backend
    later = jieba_backend.JiebaBackend()
    assert '生命起源' in with_user_word.segment([sentence])[0]
    assert later.segment([sentence]) == fresh  # the user's word stayed in its own backend
    assert '生命起源' not in fresh[0]


def test_the_commands_multi_processing_run_writes_in_process_bytes(demo_digests, tmp_path,
                                                                   real_vocab_path):
    """The job's command starts standbys before importing Beam and ends without the interpreter's
    teardown: same bytes as an in-process run, its summary printed, no standby or folder left."""
    environment = dict(os.environ, TMPDIR=str(tmp_path))
    environment.pop(STANDBY_DIR_ENV, None)
    result = subprocess.run(
        [sys.executable, '-m', 'beam_jobs.build_pretraining_data',
         *job_args(DEMO, tmp_path / 'out', real_vocab_path),
         '--direct_running_mode=multi_processing', '--direct_num_workers=2'],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert 'dataset written to %s' % (tmp_path / 'out') in result.stdout
    assert digests(tmp_path / 'out') == demo_digests
    assert not list(tmp_path.glob('beam-standby-*'))
