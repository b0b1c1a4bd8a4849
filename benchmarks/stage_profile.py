"""Where a local run's wall time goes, stage by stage: the job itself, run once on Beam's local
runner, with a line per fused stage that took at least --min_seconds.

    python -m benchmarks.stage_profile [--min_seconds S] -- JOB OPTIONS...

For each stage: when it started and how long it took, the CPU seconds each worker and the runner
spent in it, and each worker's peak resident memory during it. Two workers busy for the whole
stage would spend twice its wall time in CPU; the difference is idle time: workers waiting for the
runner (which groups and re-encodes every shuffle alone, between stages) or for each other (one
worker got the larger share). This is measured on the FnApiRunner only: it wraps the runner's
private ``_run_bundle``, so it follows Beam's internals (pinned in setup.py), not a public API.
"""
import argparse
import os
import sys
import threading
import time

from benchmarks.process_monitor import cpu_seconds, process_tree, rss_bytes

SAMPLE_SECONDS = 0.05


class _StageRecorder:
    """Wraps FnApiRunner._run_bundle; one row per call (a fused stage's bundle)."""

    def __init__(self):
        self.rows = []
        self.start = time.perf_counter()

    def wrap(self, run_bundle):
        def recorded(runner, context, bundle_context, *args, **kwargs):
            workers = _workers()
            cpu_before = {pid: cpu_seconds(pid) for pid in workers}
            runner_before = cpu_seconds(os.getpid())
            peaks, stop = {}, threading.Event()
            sampler = threading.Thread(target=self._sample, args=(peaks, stop), daemon=True)
            sampler.start()
            began = time.perf_counter()
            try:
                return run_bundle(runner, context, bundle_context, *args, **kwargs)
            finally:
                wall = time.perf_counter() - began
                stop.set()
                sampler.join()
                cpu = [cpu_seconds(pid) - cpu_before.get(pid, 0.0) for pid in sorted(peaks)]
                self.rows.append((began - self.start, wall, bundle_context.stage.name,
                                  [c for c in cpu if c > 0.005], cpu_seconds(os.getpid()) - runner_before,
                                  [peaks[pid] for pid in sorted(peaks)]))
        return recorded

    @staticmethod
    def _sample(peaks, stop):
        while not stop.is_set():
            for pid in _workers():
                peaks[pid] = max(peaks.get(pid, 0), rss_bytes(pid))
            stop.wait(SAMPLE_SECONDS)

    def report(self, min_seconds: float) -> str:
        lines = ['| starts s | wall s | worker CPU s | idle core-s | runner CPU s | worker peak MB | stage |',
                 '| ---: | ---: | --- | ---: | ---: | --- | --- |']
        for began, wall, name, cpu, runner_cpu, peaks in self.rows:
            if wall < min_seconds:
                continue
            idle = max(0.0, wall * max(len(peaks), 1) - sum(cpu))
            lines.append('| %.1f | %.2f | %s | %.1f | %.1f | %s | %s |' % (
                began, wall, ', '.join('%.1f' % c for c in cpu), idle, runner_cpu,
                ', '.join('%d' % (p / 1e6) for p in peaks if p), _short(name)))
        lines.append('\ntotal wall %.1f s; stages listed: %.1f s' % (
            time.perf_counter() - self.start, sum(row[1] for row in self.rows if row[1] >= min_seconds)))
        return '\n'.join(lines)


def _short(stage_name: str) -> str:
    """The pipeline's own transform names in a fused stage's name, in order, without Beam's parts."""
    names = []
    for part in stage_name.replace('(', ' ').replace(')', ' ').replace('+', ' ').split():
        part = part.replace('ref_AppliedPTransform_', '')
        if part.startswith('ref_PCollection'):
            continue
        if part.startswith('Seq') and '-' in part:
            part = part.replace('-', '.', 1)  # Seq128-Mask-ParDo... -> Seq128.Mask
        part = part.replace('/', '-').split('-')[0]
        if part and part not in names:
            names.append(part)
    return ' + '.join(names)


def _workers() -> list:
    """The SDK worker processes under this one, not the shells that start them."""
    pids = []
    for pid in process_tree(os.getpid())[1:]:
        try:
            with open('/proc/%d/comm' % pid) as handle:
                if handle.read().strip() in ('sh', 'bash', 'dash'):
                    continue
        except OSError:
            continue
        pids.append(pid)
    return pids


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--min_seconds', type=float, default=0.2)
    parser.add_argument('job_args', nargs=argparse.REMAINDER)
    args = parser.parse_args()
    job_args = args.job_args[1:] if args.job_args[:1] == ['--'] else args.job_args
    recorder = _StageRecorder()
    from apache_beam.runners.portability.fn_api_runner import fn_runner
    fn_runner.FnApiRunner._run_bundle = recorder.wrap(fn_runner.FnApiRunner._run_bundle)
    from beam_jobs import build_pretraining_data
    status = build_pretraining_data.run(job_args)
    print(recorder.report(args.min_seconds))
    sys.exit(status)


if __name__ == '__main__':
    main()
