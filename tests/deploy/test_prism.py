"""The job on Beam's Prism runner, built by deploy/prism/prism.sh through the Go module proxy at the
Beam version setup.py pins: the demo corpus and a THUCNews slice give the DirectRunner's bytes, with
Prism's default workers (threads of the launching process) and with a worker process. Skipped only
where Go is missing; the first build takes minutes and is kept across checkouts."""
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.job_runs import DEMO, digests, run_job, write_thucnews_slice

pytestmark = pytest.mark.prism

BUILD_TIMEOUT_S = 1200
# Beam keeps one Prism job server per process, made by the first PrismRunner: in this test process
# that may be the one Beam's DirectRunner tried (and failed to download) for an earlier test's
# TestPipeline, without --prism_location. A job run from the command line is alone in its process.
OWN_SERVER = '--experiments=disable_prism_server_singleton'


@pytest.fixture(scope='module')
def prism_location():
    if shutil.which('go') is None:
        pytest.skip('Prism is built with Go, not installed here')
    result = subprocess.run([str(ROOT / 'deploy' / 'prism' / 'prism.sh')], capture_output=True,
                            text=True, timeout=BUILD_TIMEOUT_S)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_demo_corpus_on_prism_gives_the_direct_runners_bytes(prism_location, demo_digests, tmp_path,
                                                             demo_vocab_path):
    run_job(DEMO, tmp_path / 'out', demo_vocab_path, '--runner=PrismRunner',
            '--prism_location=' + prism_location, OWN_SERVER)
    assert digests(tmp_path / 'out') == demo_digests


def test_real_text_on_prism_with_a_worker_process_gives_the_direct_runners_bytes(
        prism_location, tmp_path, real_vocab_path, monkeypatch):
    # Beam starts that worker as `python` from PATH: this interpreter's, as in an activated venv.
    monkeypatch.setenv('PATH', os.path.dirname(sys.executable) + os.pathsep + os.environ['PATH'])
    corpus = write_thucnews_slice(tmp_path)
    run_job(corpus, tmp_path / 'direct', real_vocab_path)
    run_job(corpus, tmp_path / 'prism', real_vocab_path, '--runner=PrismRunner',
            '--prism_location=' + prism_location, '--experiments=use_loopback_process_worker',
            OWN_SERVER)
    assert digests(tmp_path / 'prism') == digests(tmp_path / 'direct')
