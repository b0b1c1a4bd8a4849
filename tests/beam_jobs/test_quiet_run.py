"""A normal two-worker run, as a user starts it, says nothing that looks like a failure: no Beam
warning on stdout or stderr, and none of Beam's known harmless warnings in the run's log file (a
failed run keeps that file for its details, where they would read as the cause)."""
import json
import logging
import os
import re
import subprocess
import sys

from beam_jobs.build_pretraining_data import summary
from beam_jobs.failures import RunLog
from tests.conftest import DEMO_CORPUS, ROOT

# The job as `python -m beam_jobs.build_pretraining_data` runs it, except that its run log is kept
# (a run that succeeds deletes it): the log also holds what the workers print on their stderr.
_KEEP_LOG_CLI = '''
import runpy, sys
from beam_jobs.failures import RunLog
enter = RunLog.__enter__
def keeping(self):
    self.keep()
    return enter(self)
RunLog.__enter__ = keeping
sys.argv[0] = 'build_pretraining_data'
runpy.run_module('beam_jobs.build_pretraining_data', run_name='__main__', alter_sys=True)
'''
# Lines Beam printed in two-worker runs: each worker's options it could not parse, and the staging
# folder a local worker has no use for.
NOISE = ('WARNING', 'Traceback', 'Discarding unparseable args', 'semi_persistent_directory')


def _two_worker_run(tmp_path):
    """The finished run's CompletedProcess and the text of its kept log file."""
    result = subprocess.run(
        [sys.executable, '-c', _KEEP_LOG_CLI, '--input', str(DEMO_CORPUS / '*'),
         '--output_dir', str(tmp_path / 'out'), '--vocab_size', '2000', '--dupe_factor', '1',
         '--num_shards', '2', '--direct_running_mode=multi_processing', '--direct_num_workers=2'],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env=dict(os.environ, TMPDIR=str(tmp_path)))
    logs = list(tmp_path.glob('build_pretraining_data-*.log'))
    assert len(logs) == 1, (logs, result.stderr)
    return result, logs[0].read_text(encoding='utf-8', errors='replace')


def test_a_two_worker_run_prints_its_summary_only_and_logs_no_known_beam_warning(tmp_path):
    result, log = _two_worker_run(tmp_path)
    assert result.returncode == 0, result.stderr
    assert all(line.startswith('build_pretraining_data: progress: ')  # progress lines alone
               for line in result.stderr.splitlines()), result.stderr
    out = tmp_path / 'out'
    manifest = json.loads((out / 'manifest.json').read_text(encoding='utf-8'))
    lines = result.stdout.splitlines()
    assert lines[:-3] == summary(manifest).splitlines(), result.stdout
    assert re.fullmatch(r'elapsed [\d.]+ s, [\d,]+ input characters read \([\d,]+ characters/s\)',
                        lines[-3]), lines[-3]
    assert lines[-2:] == ['next: python -m beam_jobs.inspect %s' % out, 'dataset written to %s' % out]
    assert not [line for line in result.stdout.splitlines() if any(word in line for word in NOISE)]
    assert not [line for line in log.splitlines() if any(word in line for word in NOISE)], log


def test_the_run_log_leaves_out_the_workers_staging_warning_only(tmp_path):
    """The filter drops the one known message, not the other warnings the workers send."""
    workers = logging.getLogger('apache_beam.runners.portability.local_job_service')
    with RunLog('test', str(tmp_path / 'run.log')) as log:
        log.keep()
        workers.warning('Worker: severity: WARN message: "No semi_persistent_directory found:  User '
                        'registered objects may not be effective"')
        workers.warning('Worker: severity: WARN message: "a DoFn warned"')
    text = (tmp_path / 'run.log').read_text(encoding='utf-8')
    assert 'semi_persistent_directory' not in text and 'a DoFn warned' in text
