"""Running the job's command line in a subprocess, as a user does."""
import subprocess
import sys

from tests.conftest import DEMO_CORPUS, ROOT


def run_job_cli(*args):
    return subprocess.run([sys.executable, '-m', 'beam_jobs.build_pretraining_data', *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def refused_options_stderr(tmp_path, *args) -> str:
    """stderr of the job on the demo corpus with ``args``, asserting it refused them as it must:
    exit code 2, one line, no traceback, nothing written."""
    result = run_job_cli('--input', str(DEMO_CORPUS / '*.txt'), '--output_dir', str(tmp_path / 'out'),
                         *args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count('\n') == 1 and 'Traceback' not in result.stderr, result.stderr
    assert not (tmp_path / 'out').exists()
    return result.stderr
