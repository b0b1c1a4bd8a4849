"""The same bytes on every runner that runs here, and no run that waits on the network.

In-process (FnApiRunner) is the reference; the PortableRunner submits to Beam's local job service,
whose SDK workers come from an EXTERNAL worker pool (the shape of Beam on Flink with a worker-pool
sidecar); the DirectRunner's multi-processing mode runs several worker processes.
"""
import socket
import subprocess
import sys
import threading

import pytest

from tests.conftest import ROOT
from tests.job_runs import DEMO, digests, job_args, portable_args, run_job, write_thucnews_slice


@pytest.fixture(scope='module')
def corpus(request, tmp_path_factory):
    if request.param == 'demo':
        return DEMO
    return write_thucnews_slice(tmp_path_factory.mktemp('thucnews'))


@pytest.fixture(scope='module')
def vocab(request, corpus):
    """The demo corpus takes the vocab trained on it (no real data needed), real text the real one."""
    return request.getfixturevalue('demo_vocab_path' if corpus == DEMO else 'real_vocab_path')


@pytest.fixture(scope='module')
def in_process(request, corpus, vocab, tmp_path_factory):
    if corpus == DEMO:
        return request.getfixturevalue('demo_digests')
    output_dir = tmp_path_factory.mktemp('in_process') / 'out'
    manifest = run_job(corpus, output_dir, vocab)
    assert manifest['counts']['instances'] > 100
    return digests(output_dir)


CORPORA = pytest.mark.parametrize('corpus', ['demo', 'thucnews'], indirect=True)


@CORPORA
def test_portable_runner_with_external_worker_pool_gives_in_process_bytes(
        corpus, vocab, in_process, portable_services, tmp_path):
    run_job(corpus, tmp_path / 'portable', vocab, *portable_args(*portable_services))
    assert digests(tmp_path / 'portable') == in_process


# The demo corpus on two worker processes: tests/jobs/test_pipeline.py.
@pytest.mark.parametrize('corpus', ['thucnews'], indirect=True)
def test_multi_processing_workers_give_in_process_bytes(corpus, vocab, in_process, tmp_path):
    run_job(corpus, tmp_path / 'multi', vocab, '--direct_running_mode=multi_processing',
            '--direct_num_workers=3')
    assert digests(tmp_path / 'multi') == in_process


class _Blackhole:
    """A loopback TCP server that accepts connections and never answers (a network that hangs)."""

    def __init__(self):
        self._server = socket.create_server(('127.0.0.1', 0))
        self.port = self._server.getsockname()[1]
        self.connections = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                self.connections.append(self._server.accept()[0])
            except OSError:
                return

    def close(self):
        self._server.close()
        for connection in self.connections:
            connection.close()


def test_local_run_never_tries_to_download_prism(tmp_path, demo_vocab_path):
    """Beam 2.77's DirectRunner downloads Prism first, with no timeout: behind a network that hangs
    (every HTTP(S) request sent to a server that never answers) it would wait forever."""
    hole = _Blackhole()
    proxy = 'http://127.0.0.1:%d' % hole.port
    env = {'PATH': '/usr/bin:/bin', 'HOME': str(tmp_path), 'HTTP_PROXY': proxy, 'HTTPS_PROXY': proxy,
           'https_proxy': proxy, 'http_proxy': proxy}
    try:
        result = subprocess.run(
            [sys.executable, '-m', 'beam_jobs.build_pretraining_data',
             *job_args(DEMO, tmp_path / 'out', demo_vocab_path, '--runner=DirectRunner',
                       '--progress_seconds', '0')],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    finally:
        hole.close()
    assert result.returncode == 0, result.stderr
    assert hole.connections == []
    assert result.stderr == ''
    assert (tmp_path / 'out' / 'manifest.json').exists()
    assert not (tmp_path / '.apache_beam').exists()
