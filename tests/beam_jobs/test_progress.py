"""A local run prints progress lines on stderr while it runs (beam_jobs/progress.py): input bytes read
of the total, documents, instances, a rate and the time left to read, summed from the files each
worker process keeps in the run's progress folder."""
import json
import os
import random
import re
import sys
import time


from beam_jobs import progress
from beam_jobs.progress import Totals, local_progress, progress_line, sum_worker_files, worker_tally
from tests.cli import start_job_cli
from tests.conftest import DEMO_CORPUS

LINE = re.compile(r'build_pretraining_data: progress: (\d+)% of input read \(([\d.]+) of ([\d.]+) (KB|MB)\), '
                  r'([\d,]+) documents, ([\d,]+) tokenized, ([\d,]+) instances')


def test_a_line_says_what_is_read_the_rate_and_the_time_left_to_read():
    line = progress_line(Totals(12_300_000, 10_234, 2_000, 52_100), 30_000_000, 11.0)
    assert line == ('41% of input read (12.3 of 30.0 MB), 10,234 documents, 2,000 tokenized, '
                    '52,100 instances, 1.1 MB/s, about 16 s left to read')


def test_a_line_once_the_input_is_read_says_the_later_stages_run_on():
    line = progress_line(Totals(2_500_000_000, 9, 3, 0), 2_500_000_000, 1000.0)
    assert line == ('100% of input read (2.5 of 2.5 GB), 9 documents, 3 tokenized, 0 instances, '
                    'reading done, later stages running')


def test_a_line_before_any_byte_is_read_makes_no_estimate():
    assert progress_line(Totals(0, 0, 0, 0), 33_800, 2.0) == (
        '0% of input read (0.0 of 33.8 KB), 0 documents, 0 tokenized, 0 instances')


def test_long_times_left_read_in_minutes_and_hours():
    assert progress_line(Totals(1_000_000, 1, 1, 1), 1_000_000_000, 10.0).endswith(
        'about 2 h 46 min left to read')
    assert progress_line(Totals(100_000_000, 1, 1, 1), 200_000_000, 100.0).endswith(
        'about 2 min left to read')


def _worker_file(folder, pid, **data):
    (folder / ('%d.json' % pid)).write_text(json.dumps(data), encoding='utf-8')


def test_the_worker_files_are_summed_each_file_counted_once_and_at_most_its_size(tmp_path):
    _worker_file(tmp_path, 1, documents=5, tokenized=4, instances=7, bytes={'/a': 100, '/b': 40})
    _worker_file(tmp_path, 2, documents=3, tokenized=1, instances=0, bytes={'/b': 60, '/c': 999})
    (tmp_path / '3.json.tmp').write_text('{"documents": 1', encoding='utf-8')  # being written
    totals = sum_worker_files(str(tmp_path), {'/a': 100, '/b': 60, '/c': 500})
    assert totals == Totals(100 + 60 + 500, 8, 5, 7)


def test_a_worker_writes_its_counts_and_the_position_of_the_file_it_reads(tmp_path, monkeypatch):
    folder = tmp_path / 'progress'
    folder.mkdir()
    data = tmp_path / 'input.txt'
    data.write_bytes(b'x' * 10_000)
    monkeypatch.setattr(progress, 'WRITE_EVERY_S', 0)  # write at every count
    tally = worker_tally(str(folder))
    tally.start_file(str(data), 10_000)
    with open(data, 'rb') as handle:
        handle.raw.read(4000)
        tally.add(progress.DOCUMENTS)
        during = sum_worker_files(str(folder), {str(data): 10_000})
    tally.finish_file(str(data), 10_000)
    if sys.platform.startswith('linux'):  # elsewhere a file counts once read whole
        assert during == Totals(4000, 1, 0, 0)
    assert sum_worker_files(str(folder), {str(data): 10_000}) == Totals(10_000, 1, 0, 0)
    assert [p.name for p in folder.iterdir()] == ['%d.json' % os.getpid()]


def test_no_progress_folder_on_a_remote_runner_or_with_0_seconds():
    for seconds, local in ((10, False), (0, True)):
        with local_progress('job', [], seconds, local) as folder:
            assert folder is None


def test_the_progress_folder_is_removed_at_the_end(capsys):
    with local_progress('job', [], 0.05, True) as folder:
        time.sleep(0.2)
    assert not os.path.exists(folder)
    lines = capsys.readouterr().err.splitlines()
    assert lines and all(line.startswith('job: progress: ') for line in lines)


def _corpus(folder, megabytes: float) -> None:
    """Plain-text documents of random sentences of the demo corpus's characters."""
    chars = sorted({c for path in DEMO_CORPUS.iterdir() for c in path.read_text(encoding='utf-8')
                    if '\u4e00' <= c <= '\u9fff'})
    rng = random.Random(0)
    for part in range(4):
        documents = []
        for _ in range(int(megabytes * 1e6 / 4 / 1500)):
            sentences = [''.join(rng.choices(chars, k=rng.randint(8, 30))) + '。' for _ in range(20)]
            documents.append(''.join(sentences))
        (folder / ('part%d.txt' % part)).write_text('\n\n'.join(documents) + '\n', encoding='utf-8')


def test_a_local_run_prints_progress_lines_while_it_runs(tmp_path, demo_vocab_path):
    corpus = tmp_path / 'corpus'
    corpus.mkdir()
    _corpus(corpus, 0.4)
    job = start_job_cli('--input', str(corpus / '*.txt'), '--output_dir', str(tmp_path / 'out'),
                        '--vocab_file', str(demo_vocab_path), '--dupe_factor', '1', '--num_shards', '1',
                        '--progress_seconds', '0.5')
    seen = []  # (the line's numbers, whether the job was still running when it came)
    try:
        for line in job.stderr:
            if not line.startswith('build_pretraining_data: progress: '):
                continue  # a warning (native kernels not built...)
            match = LINE.match(line)
            assert match, line
            seen.append(([float(n.replace(',', '')) for n in match.groups() if n not in ('KB', 'MB')],
                         job.poll() is None))
        stdout = job.stdout.read()
        assert job.wait(timeout=120) == 0
    finally:
        job.kill()
    assert 'dataset written to' in stdout
    assert len(seen) >= 2 and all(running for _, running in seen[:-1])
    percents = [numbers[0] for numbers, _ in seen]
    read = [numbers[1] for numbers, _ in seen]
    assert read == sorted(read) and read[-1] > read[0], seen
    assert all(0 <= percent <= 100 for percent in percents) and percents[-1] == 100, seen
    for column in (3, 4, 5):  # documents, tokenized, instances (made last, maybe after the last line)
        counts = [numbers[column] for numbers, _ in seen]
        assert counts == sorted(counts), seen
    assert seen[-1][0][3] > 0, seen
