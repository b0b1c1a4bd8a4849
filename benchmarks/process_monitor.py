"""Wall time, peak RSS and CPU time of a command and of every process it starts (Beam workers
included).

The launching process is reported apart from its children: on the DirectRunner it is also the
runner, which holds every shuffle (GroupByKey) in memory; the children are the SDK workers that run
the pipeline's stages, as workers do on Dataflow or Flink, where shuffles live elsewhere.

Reads /proc every 0.1 s: the peak of each process is its largest resident set seen, which can miss
a spike shorter than that; ``ru_maxrss`` of the children is reported as a cross-check. A process's
CPU time is the last user + system time seen, so up to 0.1 s of its end can be missed.
"""
import os
import resource
import subprocess
import time


def child_pids(pid: int) -> list:
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


def process_tree(pid: int) -> list:
    pids, stack = [], [pid]
    while stack:
        current = stack.pop()
        pids.append(current)
        stack.extend(child_pids(current))
    return pids


def rss_bytes(pid: int) -> int:
    try:
        with open('/proc/%d/statm' % pid) as handle:
            return int(handle.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
    except OSError:
        return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far (0 once it is gone)."""
    try:
        with open('/proc/%d/stat' % pid) as handle:
            fields = handle.read().rpartition(')')[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def run_measured(command: list, **kwargs) -> dict:
    """Run ``command``; return wall seconds, exit code, per-process peak RSS (bytes), CPU seconds
    of the launching process and of its children, and ru_maxrss."""
    peaks, cpu = {}, {}
    start = time.perf_counter()
    process = subprocess.Popen(command, **kwargs)
    while process.poll() is None:
        for pid in process_tree(process.pid):
            peaks[pid] = max(peaks.get(pid, 0), rss_bytes(pid))
            cpu[pid] = max(cpu.get(pid, 0.0), cpu_seconds(pid))
        time.sleep(0.1)
    wall = time.perf_counter() - start
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    workers = [rss for pid, rss in peaks.items() if pid != process.pid]
    return {'wall_s': wall, 'returncode': process.returncode, 'peak_rss': peaks,
            'launcher_rss': peaks.get(process.pid, 0), 'max_worker_rss': max(workers, default=0),
            'max_process_rss': max(peaks.values(), default=0), 'ru_maxrss_children': children,
            'launcher_cpu_s': cpu.get(process.pid, 0.0),
            'worker_cpu_s': sum(seconds for pid, seconds in cpu.items() if pid != process.pid)}
