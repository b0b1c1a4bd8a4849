"""The job on a real Flink session cluster on this machine (deploy/flink/local_cluster.sh): a
JobManager and a TaskManager JVM, Beam's Flink job server and a Python SDK worker pool, on loopback.

It gives the DirectRunner's bytes and Flink's REST API shows the job FINISHED; a job whose shuffle
is larger than the TaskManager's managed memory spills to disk, survives a TaskManager killed
mid-job and replaced by a new one (Flink's restart strategy), and gives the same bytes; a job whose
worker fails leaves no manifest. Skipped only where Java, Maven or curl is missing.
The first start downloads Flink (PyPI) and Beam's job server (Maven Central) into caches kept
across checkouts (~/.cache/zh-wwm-data/engines, ~/.m2)."""
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from typing import NamedTuple

import pytest

import beam_jobs.build_pretraining_data as job
from tests import fault_injection
from tests.conftest import ROOT
from tests.job_runs import DEMO, digests, job_args, portable_args, run_job, write_thucnews_slice

pytestmark = pytest.mark.flink

CLUSTER = ROOT / 'deploy' / 'flink' / 'local_cluster.sh'
SUBMIT = ROOT / 'deploy' / 'flink' / 'submit.sh'
PORT_SETTINGS = ('FLINK_REST_PORT', 'FLINK_RPC_PORT', 'JOB_PORT', 'ARTIFACT_PORT', 'EXPANSION_PORT',
                 'WORKER_POOL_PORT')
START_TIMEOUT_S = 900  # the first start downloads about 400 MB
JOB_TIMEOUT_S = 600
TASK_SLOTS = 2
# Losing a TaskManager fails tasks one after another, each failure a restart 5 s later, until the
# JobManager sees it gone (two missed heartbeats 2 s apart): 8 attempts outlast that twice over.
RESTART_ATTEMPTS = 8
# Less than local_cluster.sh's 512 MB, so that the 2.9 MB THUCNews file at dupe 5 shuffles more
# than the TaskManager's managed memory (110 MB at dupe 2, 124 MB at dupe 3) and its sorters spill.
MANAGED_MEMORY = '128m'


class FlinkCluster(NamedTuple):
    env: dict  # local_cluster.sh's and submit.sh's settings for this cluster
    rest: str
    job_endpoint: str
    worker_pool: str

    def jobs(self) -> dict:
        """{job id: its overview} from Flink's REST API."""
        with urllib.request.urlopen(self.rest + '/jobs/overview', timeout=10) as response:
            return {j['jid']: j for j in json.load(response)['jobs']}

    def exceptions(self, job_id: str) -> list:
        """The failures Flink's restart strategy recovered from (or gave up on) in the job."""
        with urllib.request.urlopen('%s/jobs/%s/exceptions' % (self.rest, job_id), timeout=10) as response:
            return json.load(response)['exceptionHistory']['entries']

    def shuffled_bytes(self, job_id: str) -> int:
        """The bytes the job's tasks sent one another (Flink's write-bytes, over all its vertices)."""
        with urllib.request.urlopen('%s/jobs/%s' % (self.rest, job_id), timeout=10) as response:
            return sum(vertex['metrics']['write-bytes'] for vertex in json.load(response)['vertices'])

    def managed_memory(self) -> int:
        """The managed memory of a TaskManager (all of them are started with the same config)."""
        with urllib.request.urlopen(self.rest + '/taskmanagers', timeout=10) as response:
            (size,) = {tm['memoryConfiguration']['managedMemory']
                       for tm in json.load(response)['taskmanagers']}
        return size

    def spills(self) -> int:
        """How many sort buffers the TaskManagers, past and present, spilled to disk (their logs)."""
        logs = pathlib.Path(self.env['FLINK_LOCAL_STATE'], 'logs').glob('taskmanager-*.flink.log')
        return sum(log.read_text(errors='replace').count('Spilling buffer') for log in logs)

    def script(self, *args) -> str:
        result = subprocess.run([str(CLUSTER), *args], env=self.env, capture_output=True, text=True,
                                timeout=START_TIMEOUT_S)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout


def _free_ports(count: int) -> list:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(('127.0.0.1', 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@pytest.fixture(scope='module')
def flink_cluster(tmp_path_factory):
    """A session cluster for this module, on free loopback ports, always stopped."""
    missing = [tool for tool in ('java', 'mvn', 'curl') if shutil.which(tool) is None]
    if missing:
        pytest.skip('the local Flink cluster needs %s, not installed here' % ', '.join(missing))
    ports = dict(zip(PORT_SETTINGS, map(str, _free_ports(len(PORT_SETTINGS)))))
    env = dict(os.environ, PYTHON=sys.executable, TASK_SLOTS=str(TASK_SLOTS),
               RESTART_ATTEMPTS=str(RESTART_ATTEMPTS), TM_MANAGED_MEMORY=MANAGED_MEMORY,
               FLINK_LOCAL_STATE=str(tmp_path_factory.mktemp('flink_cluster').resolve()), **ports)
    cluster = FlinkCluster(
        env=dict(env, JOB_ENDPOINT='127.0.0.1:' + ports['JOB_PORT'],
                 ARTIFACT_ENDPOINT='127.0.0.1:' + ports['ARTIFACT_PORT'],
                 WORKER_POOL='127.0.0.1:' + ports['WORKER_POOL_PORT'], PARALLELISM=str(TASK_SLOTS)),
        rest='http://127.0.0.1:' + ports['FLINK_REST_PORT'],
        job_endpoint='127.0.0.1:' + ports['JOB_PORT'],
        worker_pool='127.0.0.1:' + ports['WORKER_POOL_PORT'])
    try:
        printed = cluster.script('start')
        assert cluster.rest in printed and cluster.job_endpoint in printed
        yield cluster
    finally:
        subprocess.run([str(CLUSTER), 'stop'], env=env, capture_output=True, timeout=120)


def _submit(cluster: FlinkCluster, corpus: str, output_dir, vocab, *extra) -> subprocess.Popen:
    return subprocess.Popen([str(SUBMIT), *job_args(corpus, output_dir, vocab, *extra)], env=cluster.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(submission: subprocess.Popen) -> str:
    out, err = submission.communicate(timeout=JOB_TIMEOUT_S)
    assert submission.returncode == 0, err
    assert 'dataset written to' in out
    return out


def _the_new_job(cluster: FlinkCluster, before: set) -> dict:
    (new,) = [j for jid, j in cluster.jobs().items() if jid not in before]
    return new


def test_demo_corpus_on_flink_gives_the_direct_runners_bytes(flink_cluster, demo_digests, tmp_path,
                                                             demo_vocab_path):
    before = set(flink_cluster.jobs())
    _finish(_submit(flink_cluster, DEMO, tmp_path / 'out', demo_vocab_path))
    assert digests(tmp_path / 'out') == demo_digests
    finished = _the_new_job(flink_cluster, before)
    assert finished['state'] == 'FINISHED'
    assert finished['tasks']['finished'] == finished['tasks']['total'] > 0


def test_a_tokenizer_trained_on_flink_is_the_direct_runners(flink_cluster, tmp_path):
    """--train_tokenizer bpe on the cluster's workers: the same tokenizer.json and shards as the
    DirectRunner's, so the sample and the training are the pipeline's, not the launcher's."""
    args = ['--input', DEMO, '--train_tokenizer', 'bpe', '--vocab_size', '1500', '--dupe_factor', '1',
            '--num_shards', '2', '--masking', 'dynamic']
    assert job.run(args + ['--output_dir', str(tmp_path / 'direct')]) == 0
    submission = subprocess.Popen([str(SUBMIT), *args, '--output_dir', str(tmp_path / 'flink')],
                                  env=flink_cluster.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
    _finish(submission)
    assert (tmp_path / 'flink' / 'tokenizer.json').exists()
    assert digests(tmp_path / 'flink') == digests(tmp_path / 'direct')


def _running_with_finished_tasks(cluster: FlinkCluster, before: set, submission, at_least: int):
    """Wait until the submitted job runs on Flink with ``at_least`` of its tasks finished."""
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        assert submission.poll() is None, 'the job ended before a TaskManager was killed: %s' % (
            submission.communicate()[1])
        new = [j for jid, j in cluster.jobs().items() if jid not in before]
        if new and new[0]['state'] == 'RUNNING' and new[0]['tasks']['finished'] >= at_least:
            assert new[0]['tasks']['finished'] < new[0]['tasks']['total']
            return new[0]
        time.sleep(0.5)
    raise AssertionError('the job did not get to run on Flink')


def test_a_shuffle_larger_than_managed_memory_spills_and_survives_a_killed_taskmanager(
        flink_cluster, tmp_path, real_vocab_path):
    """The whole THUCNews file at dupe 5 on a TaskManager with 128 MB of managed memory; the
    TaskManager is SIGKILLed mid-job and a new one started. Flink restarts the lost tasks, its sorters
    spill, and the dataset is the DirectRunner's, byte for byte."""
    corpus = write_thucnews_slice(tmp_path, articles=1000)
    dupe_5 = ('--dupe_factor', '5')
    run_job(corpus, tmp_path / 'direct', real_vocab_path, *dupe_5)
    before, spills_before = set(flink_cluster.jobs()), flink_cluster.spills()
    submission = _submit(flink_cluster, corpus, tmp_path / 'flink', real_vocab_path, *dupe_5)
    try:
        running = _running_with_finished_tasks(flink_cluster, before, submission, at_least=10)
        killed = flink_cluster.script('kill-taskmanager')
        assert killed.startswith('killed taskmanager-')
        flink_cluster.script('start-taskmanager')
        _finish(submission)
    finally:
        if submission.poll() is None:
            submission.kill()
    assert digests(tmp_path / 'flink') == digests(tmp_path / 'direct')
    assert flink_cluster.jobs()[running['jid']]['state'] == 'FINISHED'
    recovered = flink_cluster.exceptions(running['jid'])
    assert recovered and len(recovered) <= RESTART_ATTEMPTS
    status = flink_cluster.script('status')
    assert status.count(': running') == 4  # the JobManager, the new TaskManager, job server, pool
    assert flink_cluster.shuffled_bytes(running['jid']) > flink_cluster.managed_memory() == 128 << 20
    assert flink_cluster.spills() > spills_before


def test_a_job_failing_on_flink_leaves_no_manifest(flink_cluster, tmp_path, real_vocab_path,
                                                   monkeypatch, capsys):
    """A worker failing on every attempt: Flink restarts it RESTART_ATTEMPTS times, then the job
    fails with one line, and the output folder is left empty."""
    build = job.build_pipeline

    def build_then_fail_writing(pipeline, *args):
        build(pipeline, *args)
        fault_injection.fail_after(pipeline, 'Seq128.WriteShards/WriteShard', succeed=1)

    monkeypatch.setattr(job, 'build_pipeline', build_then_fail_writing)
    before = set(flink_cluster.jobs())
    output_dir = tmp_path / 'out'
    code = job.run(job_args(DEMO, output_dir, real_vocab_path,
                            *portable_args(flink_cluster.job_endpoint, flink_cluster.worker_pool),
                            '--parallelism=%d' % TASK_SLOTS))
    err = capsys.readouterr().err
    assert code == 1 and err.count('\n') == 1, err
    assert 'InjectedFailure: injected failure after 1 elements' in err, err
    details = re.search(r'\(details in (\S+)\)', err).group(1)
    assert 'InjectedFailure: injected failure after 1 elements' in pathlib.Path(details).read_text()
    assert not (output_dir / 'manifest.json').exists() and not list(output_dir.iterdir())
    failed = _the_new_job(flink_cluster, before)
    assert failed['state'] == 'FAILED'
    assert len(flink_cluster.exceptions(failed['jid'])) == RESTART_ATTEMPTS + 1
