"""Wall time and peak RSS of a command and of every process it starts (Beam workers included).

The launching process is reported apart from its children: on the DirectRunner it is also the
runner, which holds every shuffle (GroupByKey) in memory; the children are the SDK workers that run
the pipeline's stages, as workers do on Dataflow or Flink, where shuffles live elsewhere.

Reads /proc every 0.1 s: the peak of each process is its largest resident set seen, which can miss
a spike shorter than that; ``ru_maxrss`` of the children is reported as a cross-check.
"""
import os
import resource
import subprocess
import time


def _children(pid: int) -> list:
    """Children of every thread of ``pid`` (a process started from a thread is listed under it)."""
    children = []
    try:
        tasks = os.listdir('/proc/%d/task' % pid)
    except OSError:
        return children
    for task in tasks:
        try:
            with open('/proc/%d/task/%s/children' % (pid, task)) as handle:
                children.extend(int(c) for c in handle.read().split())
        except OSError:
            continue
    return children


def _tree(pid: int) -> list:
    pids, stack = [], [pid]
    while stack:
        current = stack.pop()
        pids.append(current)
        stack.extend(_children(current))
    return pids


def _rss_bytes(pid: int) -> int:
    try:
        with open('/proc/%d/statm' % pid) as handle:
            return int(handle.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
    except OSError:
        return 0


def run_measured(command: list, **kwargs) -> dict:
    """Run ``command``; return wall seconds, exit code, per-process peak RSS (bytes) and ru_maxrss."""
    peaks = {}
    start = time.perf_counter()
    process = subprocess.Popen(command, **kwargs)
    while process.poll() is None:
        for pid in _tree(process.pid):
            peaks[pid] = max(peaks.get(pid, 0), _rss_bytes(pid))
        time.sleep(0.1)
    wall = time.perf_counter() - start
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    workers = [rss for pid, rss in peaks.items() if pid != process.pid]
    return {'wall_s': wall, 'returncode': process.returncode, 'peak_rss': peaks,
            'launcher_rss': peaks.get(process.pid, 0), 'max_worker_rss': max(workers, default=0),
            'max_process_rss': max(peaks.values(), default=0), 'ru_maxrss_children': children}
