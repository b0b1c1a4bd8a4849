"""Failures change nothing: retried elements give the same dataset, a failed or killed run leaves no
manifest, and a re-run writes the full dataset, identical to a clean run."""
import collections
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

import beam_jobs.build_pretraining_data as job
from schemas.output_layout import RUN_MARKER_NAME
from transforms import write_shards
from tests import fault_injection
from tests.conftest import ROOT
from tests.job_runs import DEMO, digests, job_args, portable_args, run_job

# One dataset (one --max_seq_length): its stages carry the prefix 'Seq128.'.
STAGES = {'Read', 'Clean', 'Convert', 'Filter', 'Deduplicate', 'SplitSentences', 'Segment', 'Tokenize',
          'Seq128.CreateInstances', 'Seq128.Mask', 'Seq128.WriteShards', 'Seq128.Commit'}
MARKER_TIMEOUT_S = 120


def _inject(monkeypatch, inject) -> list:
    """Make the job apply ``inject(pipeline)`` to its pipeline once built; return what it wrapped."""
    wrapped = []
    build = job.build_pipeline

    def build_then_inject(pipeline, *args):
        build(pipeline, *args)
        wrapped.extend(inject(pipeline))

    monkeypatch.setattr(job, 'build_pipeline', build_then_inject)
    return wrapped


def test_every_element_retried_on_the_workers_gives_the_same_dataset(
        portable_services, demo_digests, tmp_path, demo_vocab_path, monkeypatch):
    log_dir = tmp_path / 'attempts'
    log_dir.mkdir()
    wrapped = _inject(monkeypatch,
                      lambda pipeline: fault_injection.retry_every_element(pipeline, str(log_dir)))
    manifest = run_job(DEMO, tmp_path / 'out', demo_vocab_path, *portable_args(*portable_services))

    assert digests(tmp_path / 'out') == demo_digests
    logs = list(log_dir.glob('attempts-*.txt'))
    worker_pids = {int(log.stem.split('-')[1]) for log in logs}
    assert worker_pids and os.getpid() not in worker_pids
    retried = collections.Counter(label for log in logs for label in log.read_text().splitlines())
    assert set(retried) <= set(wrapped)
    assert STAGES <= {label.split('/')[0] for label in retried}, retried
    read_files = retried['Read/ParseFiles/ParDo(_KeepOrDropFn)/ParDo(_KeepOrDropFn)']
    assert read_files == len(manifest['options']['input_files'])
    assert retried['Segment/ParDo(_Segment)'] == manifest['counts']['documents_kept']
    assert retried['Seq128.Mask/ParDo(_Mask)/ParDo(_Mask)'] == manifest['counts']['instances']
    assert retried['Seq128.WriteShards/WriteShard'] == 3 and retried['Seq128.Commit/Commit'] == 1


def _failed_run_stderr(capsys, args) -> str:
    """The job's one stderr line, asserting that its run failed with exit code 1."""
    code = job.run(args)
    err = capsys.readouterr().err
    assert code == 1 and err.count('\n') == 1 and 'Traceback' not in err, err
    return err


def _watch_the_clean_up(monkeypatch, folders) -> dict:
    """{folder: its files} as the failed run found them before deleting its unfinished dataset."""
    seen = {}
    remove = job.remove_unfinished_run

    def look_then_remove(output_dir):
        seen.update({folder.name: sorted(str(p.relative_to(folder)) for p in folder.rglob('*') if p.is_file())
                     for folder in folders})
        return remove(output_dir)

    monkeypatch.setattr(job, 'remove_unfinished_run', look_then_remove)
    return seen


def test_a_failing_worker_fails_the_job_without_a_dataset_and_a_rerun_completes_it(
        portable_services, demo_digests, tmp_path, demo_vocab_path, monkeypatch, capsys):
    """The failed run deletes what it wrote (its run marker lists it), nothing is left filling the
    disk, and a re-run writes the dataset of a clean run."""
    output_dir = tmp_path / 'out'
    wrapped = _inject(monkeypatch, lambda pipeline: fault_injection.fail_after(
        pipeline, 'Seq128.WriteShards/WriteShard', succeed=1))
    seen = _watch_the_clean_up(monkeypatch, [output_dir])
    err = _failed_run_stderr(capsys, job_args(DEMO, output_dir, demo_vocab_path,
                                              *portable_args(*portable_services)))
    assert 'injected failure after 1 elements' in err
    assert wrapped == ['Seq128.WriteShards/WriteShard']
    assert RUN_MARKER_NAME in seen['out'] and any(f.startswith('.incomplete/part-') for f in seen['out'])
    assert not list(output_dir.iterdir())

    monkeypatch.undo()
    run_job(DEMO, output_dir, demo_vocab_path, *portable_args(*portable_services))
    assert 'removed the leftovers' not in capsys.readouterr().err
    assert digests(output_dir) == demo_digests


def test_sort_temp_dir_takes_the_runs_and_is_left_empty(demo_digests, tmp_path, demo_vocab_path,
                                                         monkeypatch, capsys):
    """The sorted pieces go to --sort_temp_dir, not beside the shards; a failed run deletes them,
    and the re-run's dataset is the one written without the option."""
    output_dir, sort_dir = tmp_path / 'out', tmp_path / 'sort'
    extra = ('--sort_temp_dir', str(sort_dir))
    _inject(monkeypatch, lambda pipeline: fault_injection.fail_after(
        pipeline, 'Seq128.WriteShards/WriteShard', succeed=1))
    seen = _watch_the_clean_up(monkeypatch, [output_dir, sort_dir])
    err = _failed_run_stderr(capsys, job_args(DEMO, output_dir, demo_vocab_path, *extra))
    assert 'injected failure after 1 elements' in err
    (runs_dir,) = {name.split('/')[0] for name in seen['sort']}
    assert runs_dir.startswith('runs-') and all(n.startswith(runs_dir + '/run-') for n in seen['sort'])
    assert any(n.startswith('.incomplete/part-') for n in seen['out'])
    assert not any(n.startswith('.incomplete/run-') for n in seen['out'])
    assert not list(output_dir.iterdir()) and not list(sort_dir.iterdir())

    monkeypatch.undo()
    run_job(DEMO, output_dir, demo_vocab_path, *extra)
    assert digests(output_dir) == demo_digests
    assert not list(sort_dir.iterdir())


def _start_frozen_job(point, marker, output_dir, vocab):
    return subprocess.Popen(
        [sys.executable, '-m', 'tests.killable_job', point, str(marker),
         *job_args(DEMO, output_dir, vocab, '--num_shards', '4')],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _wait_for_marker(process, marker) -> None:
    deadline = time.monotonic() + MARKER_TIMEOUT_S
    while not marker.exists():
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, 'the job did not reach the kill point'
        time.sleep(0.05)


@pytest.mark.parametrize('point, committed_shards', [('shards_written', 0),
                                                     ('first_shard_committed', 1)])
def test_killed_run_leaves_no_manifest_and_a_rerun_writes_the_full_dataset(
        point, committed_shards, demo_digests, tmp_path, demo_vocab_path, capsys):
    output_dir = tmp_path / 'out'
    marker = tmp_path / 'frozen'
    process = _start_frozen_job(point, marker, output_dir, demo_vocab_path)
    try:
        _wait_for_marker(process, marker)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    assert not (output_dir / 'manifest.json').exists()
    assert len(list(output_dir.glob('part-*-of-00004.tfrecord'))) == committed_shards
    assert len(list((output_dir / '.incomplete').glob('part-*'))) == 4 - committed_shards
    listed = json.loads((output_dir / RUN_MARKER_NAME).read_text(encoding='utf-8'))['paths']
    assert {p.name for p in output_dir.glob('part-*')} <= set(listed) and '.incomplete/' in listed

    run_job(DEMO, output_dir, demo_vocab_path)
    assert 'removed the leftovers of an unfinished run' in capsys.readouterr().err
    assert digests(output_dir) == demo_digests


def test_records_lost_before_the_shards_fail_the_commit(tmp_path, demo_vocab_path, monkeypatch, capsys):
    """The commit counts each format's records against the instances made: a record lost on its
    way to a shard (as the local runner's timed flush once lost them) leaves no manifest."""
    to_pieces = write_shards._ToPieces.process

    def drop_one_document(self, keyed_instance):
        if keyed_instance[0].doc_id != 'news.txt:0':
            yield from to_pieces(self, keyed_instance)

    monkeypatch.setattr(write_shards._ToPieces, 'process', drop_one_document)
    output_dir = tmp_path / 'out'
    err = _failed_run_stderr(capsys, job_args(DEMO, output_dir, demo_vocab_path))
    assert re.search(r'tfrecord shards hold \d+ records but \d+ instances were made', err), err
    assert not (output_dir / 'manifest.json').exists()
    assert not list(output_dir.glob('part-*'))
