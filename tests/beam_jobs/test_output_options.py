"""Wrong output options stop the job before anything runs: one line on stderr, exit code 2."""
import pytest

from beam_jobs.build_pretraining_data import run
from tests.conftest import DEMO_CORPUS


@pytest.mark.parametrize('args, message', [
    (['--output_format', 'csv'], "unknown --output_format 'csv' (choose from tfrecord, arrow, parquet, mds)"),
    (['--output_format', 'arrow,tfrecrd'], "unknown --output_format 'tfrecrd'"),
    (['--tfrecord_compression', 'zstd'], "unknown --tfrecord_compression 'zstd' (choose from none, gzip)"),
    (['--output_format', 'parquet', '--tfrecord_compression', 'gzip'],
     '--tfrecord_compression gzip needs --output_format tfrecord'),
])
def test_bad_output_option_is_one_line_and_exit_2(tmp_path, capsys, args, message):
    code = run(['--input', str(DEMO_CORPUS / '*.txt'), '--output_dir', str(tmp_path / 'out')] + args)
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith('build_pretraining_data: error: ') and message in err
    assert err.count('\n') == 1
    assert not (tmp_path / 'out').exists()
