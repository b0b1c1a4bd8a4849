"""The job on each runner: wall time, CPU per character and peak memory per process kind, and
whether every runner wrote the same bytes.

    python -m benchmarks.build_corpus --size_mb 10 30 100
    deploy/flink/local_cluster.sh start             # for --runners flink (TASK_SLOTS=1 or 2)
    python -m benchmarks.runners --vocab_file VOCAB --corpus bench_corpus/corpus_10mb.txt \
        --runners direct prism flink [--workers 2] [--dupe_factor 2]

Runners: ``direct`` is the DirectRunner in multi-processing mode with --workers processes;
``prism`` is Beam's Prism runner (--prism_location, default the binary deploy/prism/prism.sh
builds) with its default LOOPBACK workers (threads of the launching process); ``prism_process``
the same with one SDK worker process (Beam's use_loopback_process_worker experiment); ``flink``
submits to the session cluster of deploy/flink/local_cluster.sh (its FLINK_LOCAL_STATE and port
settings) with --parallelism=--workers.

CPU is that of every process of the run: the launching command and its descendants, and for Flink
the cluster's processes (JobManager, TaskManagers, job server, worker pool and its SDK workers) for
the duration of the run. Peak memory is the largest resident set seen per process kind (sampled
every 0.1 s, see benchmarks/process_monitor.py). For Flink, how far the cluster's io.tmp.dirs grew
during the run: the job's jars (150 MB, uploaded with each job) plus what the batch sorts, joins
and shuffles spilled. Prints a Markdown table; nothing here is a test.
"""
import argparse
import hashlib
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

from benchmarks.process_monitor import cpu_seconds, process_tree, rss_bytes

ROOT = pathlib.Path(__file__).resolve().parents[1]
# A process's kind, from the first of these found in its command line.
KINDS = (('StandaloneSessionClusterEntrypoint', 'jobmanager'), ('TaskManagerRunner', 'taskmanager'),
         ('FlinkJobServerDriver', 'job server'), ('worker_pool.py', 'worker pool'),
         ('SdkHarness', 'sdk worker'), ('sdk_worker_main', 'sdk worker'), ('prism', 'prism'))


def _cmdline(pid: int) -> str:
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            return handle.read().replace(b'\0', b' ').decode(errors='replace')
    except OSError:
        return ''


def _kind(pid: int, launcher: int) -> str:
    if pid == launcher:
        return 'launcher'
    command = _cmdline(pid)
    for marker, kind in KINDS:
        if marker in command:
            return kind
    return 'worker'


def flink_state() -> pathlib.Path:
    """local_cluster.sh's state folder (its default, or FLINK_LOCAL_STATE as for the script)."""
    return pathlib.Path(os.environ.get('FLINK_LOCAL_STATE', ROOT / '.cache' / 'flink-local'))


def flink_settings() -> tuple:
    """(the cluster's pids, its job options) from local_cluster.sh's state folder and port settings."""
    state = flink_state()
    pids = [int(p.read_text()) for p in sorted((state / 'pids').glob('*.pid'))]
    if not pids:
        sys.exit('no local Flink cluster runs (deploy/flink/local_cluster.sh start; state %s)' % state)
    return pids, ['--runner=PortableRunner',
                  '--job_endpoint=127.0.0.1:%s' % os.environ.get('JOB_PORT', '8099'),
                  '--environment_type=EXTERNAL',
                  '--environment_config=127.0.0.1:%s' % os.environ.get('WORKER_POOL_PORT', '50000'),
                  '--environment_cache_millis=60000']


def runner_options(runner: str, workers: int, prism: str) -> tuple:
    """(pids of long-running processes the run uses, the job's runner options)."""
    if runner == 'direct':
        return [], ['--direct_running_mode=multi_processing', '--direct_num_workers=%d' % workers]
    if runner in ('prism', 'prism_process'):
        extra = ['--experiments=use_loopback_process_worker'] if runner == 'prism_process' else []
        return [], ['--runner=PrismRunner', '--prism_location=' + prism] + extra
    pids, options = flink_settings()
    return pids, options + ['--parallelism=%d' % workers]


def folder_bytes(folder) -> int:
    """Bytes of the files under ``folder`` (0 if it is missing); files vanishing meanwhile count 0."""
    total = 0
    for parent, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.stat(os.path.join(parent, name)).st_size
            except OSError:
                pass
    return total


def measure(command: list, services: list, spill_dir=None) -> dict:
    """Run ``command``; wall seconds, exit code, CPU seconds of every process involved, the peak
    resident set per process kind, and how far ``spill_dir`` grew (sampled every second)."""
    cpu_before = {pid: cpu_seconds(pid) for root in services for pid in process_tree(root)}
    cpu, peaks, kinds = {}, {}, {}
    spill_before = spill_peak = folder_bytes(spill_dir) if spill_dir else 0
    samples = 0
    start = time.perf_counter()
    # Beam starts a process worker as `python` from PATH (prism_process): this interpreter's.
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ['PATH'])
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               env=env)
    while process.poll() is None:
        for root in [process.pid] + services:
            for pid in process_tree(root):
                kinds.setdefault(pid, _kind(pid, process.pid))
                peaks[pid] = max(peaks.get(pid, 0), rss_bytes(pid))
                cpu[pid] = max(cpu.get(pid, 0.0), cpu_seconds(pid))
        samples += 1
        if spill_dir and samples % 10 == 0:
            spill_peak = max(spill_peak, folder_bytes(spill_dir))
        time.sleep(0.1)
    wall = time.perf_counter() - start
    err = process.stderr.read()
    peak_by_kind = {}
    for pid, rss in peaks.items():
        peak_by_kind[kinds[pid]] = max(peak_by_kind.get(kinds[pid], 0), rss)
    return {'wall_s': wall, 'returncode': process.returncode, 'stderr': err,
            'cpu_s': sum(seconds - cpu_before.get(pid, 0.0) for pid, seconds in cpu.items()),
            'peak_by_kind': peak_by_kind, 'spill_growth': spill_peak - spill_before}


def digest(output_dir: pathlib.Path) -> str:
    """One sha256 over every file's relative path and bytes."""
    total = hashlib.sha256()
    for path in sorted(p for p in output_dir.rglob('*') if p.is_file()):
        total.update(str(path.relative_to(output_dir)).encode() + b'\0' + path.read_bytes())
    return total.hexdigest()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--vocab_file', required=True)
    parser.add_argument('--corpus', nargs='+', required=True)
    parser.add_argument('--runners', nargs='+', default=['direct', 'prism'],
                        choices=['direct', 'prism', 'prism_process', 'flink'])
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--dupe_factor', type=int, default=2)
    parser.add_argument('--keep_different', help='copy an output whose bytes differ from the first '
                        "runner's here, in a folder named after its runner")
    parser.add_argument('--prism_location', help='default: the binary deploy/prism/prism.sh builds')
    args = parser.parse_args(argv)
    if not args.prism_location and {'prism', 'prism_process'} & set(args.runners):
        args.prism_location = subprocess.run([str(ROOT / 'deploy' / 'prism' / 'prism.sh')], check=True,
                                             capture_output=True, text=True).stdout.strip()
    print('| corpus | runner | wall s | CPU s | CPU µs/char | peak MB by process kind | Flink tmp growth MB '
          '| same bytes |')
    print('|---|---|---|---|---|---|---|---|')
    for corpus in args.corpus:
        characters = len(pathlib.Path(corpus).read_text(encoding='utf-8'))
        first = None
        for runner in args.runners:
            services, options = runner_options(runner, args.workers, args.prism_location)
            with tempfile.TemporaryDirectory(prefix='bench_runners_') as folder:
                output_dir = pathlib.Path(folder) / 'out'
                result = measure([sys.executable, '-m', 'beam_jobs.build_pretraining_data',
                                  '--input', corpus, '--output_dir', str(output_dir),
                                  '--vocab_file', args.vocab_file,
                                  '--dupe_factor', str(args.dupe_factor)] + options, services,
                                 flink_state() / 'tmp' if runner == 'flink' else None)
                if result['returncode'] != 0:
                    print('| %s | %s | failed: %s |' % (corpus, runner, result['stderr'].strip()[-300:]))
                    continue
                first = first or digest(output_dir)
                same = digest(output_dir) == first
                if not same and args.keep_different:
                    kept = pathlib.Path(args.keep_different) / runner
                    shutil.rmtree(kept, ignore_errors=True)
                    shutil.copytree(output_dir, kept)
            peaks = ', '.join('%s %d' % (kind, rss / 2**20)
                              for kind, rss in sorted(result['peak_by_kind'].items()))
            print('| %s | %s | %.1f | %.1f | %.2f | %s | %s | %s |' % (
                pathlib.Path(corpus).name, runner, result['wall_s'], result['cpu_s'],
                result['cpu_s'] / characters * 1e6, peaks,
                '%d' % (result['spill_growth'] / 2**20) if runner == 'flink' else '',
                'yes' if same else 'NO'), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
