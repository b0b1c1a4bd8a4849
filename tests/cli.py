"""Running the job's command line in a subprocess, as a user does."""
import subprocess
import sys

from tests.conftest import DEMO_CORPUS, ROOT


# Without progress lines (a test that wants them gives --progress_seconds again: the last one counts).
JOB_COMMAND = [sys.executable, '-m', 'beam_jobs.build_pretraining_data', '--progress_seconds', '0']
ERROR_PREFIX = 'build_pretraining_data: error: '


def run_job_cli(*args, **run_kwargs):
    """The finished job's CompletedProcess (text stdout and stderr); ``run_kwargs`` go to
    subprocess.run (env, preexec_fn...)."""
    return subprocess.run([*JOB_COMMAND, *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          **run_kwargs)


def start_job_cli(*args, **popen_kwargs) -> subprocess.Popen:
    """The job started as a user starts it, its stdout and stderr piped (text)."""
    return subprocess.Popen([*JOB_COMMAND, *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen_kwargs)


def assert_one_error_line(stderr: str) -> str:
    """The message of stderr's single 'build_pretraining_data: error: ...' line (no traceback)."""
    assert stderr.count('\n') == 1 and stderr.startswith(ERROR_PREFIX), stderr
    assert 'Traceback' not in stderr, stderr
    return stderr[len(ERROR_PREFIX):].rstrip('\n')


def refused_options_stderr(tmp_path, *args) -> str:
    """stderr of the job on the demo corpus with ``args``, asserting it refused them as it must:
    exit code 2, one line, no traceback, nothing written."""
    result = run_job_cli('--input', str(DEMO_CORPUS / '*.txt'), '--output_dir', str(tmp_path / 'out'),
                         *args)
    assert result.returncode == 2, result.stderr
    assert_one_error_line(result.stderr)
    assert not (tmp_path / 'out').exists()
    return result.stderr
