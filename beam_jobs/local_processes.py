"""The worker processes of local multi-processing runs: their memory settings, and standbys
started before the runner needs them.

A local run spends about 2.4 s before Beam starts its workers (the runner imports Beam, checks the
options, reads the vocab, builds and fuses the pipeline), and each worker then spends 1.2-1.7 s
importing Beam before its first bundle. StandbyWorkers starts the worker processes as the job
starts, so their imports run while the runner prepares. The worker command Beam runs is this
module as a program: it hands Beam's settings for the worker (its environment) to a free standby
over a Unix socket and waits for it, exiting with its exit status, so to Beam it is the worker.
Where no standby is free (more workers than counted, a standby that died) it runs the worker
itself. A standby whose runner goes away before handing it work ends (its stdin closes).

The standbys are one process that imports and prepares once, then forks the others: a second
process importing Beam and loading jieba's dictionary beside the runner's own imports took the
cores a two-worker run has (2 x 3.5 CPU seconds, while the runner spent 4.3).

This module imports no Beam: the job starts the standbys before it imports Beam.
"""
import argparse
import atexit
import functools
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Optional

WORKER_MODULE = 'beam_jobs.local_worker'
STANDBY_DIR_ENV = 'BEAM_JOBS_STANDBY_DIR'
DIRECT_RUNNERS = ('direct', 'switchingdirect')  # run on Beam's FnApiRunner (runner_options)
_CONNECT_SECONDS = 30  # a standby binds its socket before importing anything heavy
_REAP_SECONDS = 10  # how long a standby waits for those it forked to end

# glibc raises its mmap threshold each time a large block is freed, after which gRPC's data
# messages (up to 10 MB) and the shuffled record lists come from the heap, which fragments and is
# never given back: a worker's resident memory then grew with the corpus. A fixed threshold keeps
# blocks over 1 MB in mmap (returned on free). Measured on the 10 MB benchmark corpus with two
# workers: worker peak 734 -> 615 MB, runner 745 -> 462 MB, no change in wall time.
MALLOC_SETTINGS = {'MALLOC_MMAP_THRESHOLD_': str(1 << 20), 'MALLOC_TRIM_THRESHOLD_': str(1 << 20)}
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters, from glibc's malloc.h


def bound_native_memory() -> None:
    """Apply MALLOC_SETTINGS to this process (mallopt) and to the workers it starts (environment).

    Settings the user already made in the environment win; a libc without mallopt is left as is.
    """
    import ctypes
    import ctypes.util
    for name, value in MALLOC_SETTINGS.items():
        os.environ.setdefault(name, value)
    try:
        libc = ctypes.CDLL(ctypes.util.find_library('c'))
        libc.mallopt(_M_MMAP_THRESHOLD, int(os.environ['MALLOC_MMAP_THRESHOLD_']))
        libc.mallopt(_M_TRIM_THRESHOLD, int(os.environ['MALLOC_TRIM_THRESHOLD_']))
    except (OSError, AttributeError, TypeError, ValueError):
        pass


def exit_now(status: int = 0) -> None:
    """End the process without the interpreter's teardown: freeing every module and object (Beam,
    jieba's dictionary, pyarrow) took 0.4-0.8 s per process on every local run.

    For a worker: the runner closes its workers one after the other and waits for each process to
    end (two workers on a 20 KB corpus: 9.5-9.7 s before, 7.7-8.1 after, round L). Its harness has
    finished by then: its bundles are done, its DoFns torn down (segmenters' staged model copies
    deleted) and its log handler closed. For the job's command: the dataset is committed and its
    summary printed. Exit handlers still run, and Python's buffers are written.
    """
    atexit._run_exitfuncs()  # pylint: disable=protected-access
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def runner_key(runner: Optional[str]) -> str:
    """'flink' for FlinkRunner, flink, apache_beam.runners...FlinkRunner (as Beam resolves names);
    'direct' when no runner is named (Beam's default)."""
    key = (runner or 'DirectRunner').rsplit('.', 1)[-1].lower()
    return key[:-len('runner')] if key.endswith('runner') else key


def _first_look(argv) -> argparse.Namespace:
    """The few job arguments the standbys depend on, read before Beam parses them all: a wrong
    answer only costs standbys that go unused or prepare in vain."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument('--runner')
    parser.add_argument('--direct_running_mode')
    parser.add_argument('--direct_num_workers', default='1')
    parser.add_argument('--segmenter')  # None: the job's default
    return parser.parse_known_args(argv)[0]


def local_worker_count(argv) -> int:
    """How many worker processes Beam's local runner will start for these job arguments: 0 unless
    the DirectRunner runs them with --direct_running_mode=multi_processing."""
    known = _first_look(argv)
    if runner_key(known.runner) not in DIRECT_RUNNERS:
        return 0
    if known.direct_running_mode != 'multi_processing':
        return 0
    try:
        count = int(known.direct_num_workers)
    except ValueError:
        return 0
    return (os.cpu_count() or 1) if count == 0 else max(count, 0)


class StandbyWorkers:
    """``count`` worker processes, started now, that Beam's worker command hands its workers to:
    one process, which forks the others once it has prepared.

    Use as a context manager around the run: on leaving, standbys that got no work end, and the
    others, ended by Beam, are reaped (the forked ones by the process that forked them).
    """

    def __init__(self, count: int, segmenter: Optional[str] = None):
        self._process = None
        self._folder = tempfile.mkdtemp(prefix='beam-standby-') if count else None
        if not count:
            return
        bound_native_memory()  # glibc reads its settings when a process starts
        sockets = []
        for index in range(count):
            with open(os.path.join(self._folder, '%d.free' % index), 'w'):
                pass
            sockets.append(os.path.join(self._folder, '%d.sock' % index))
        command = [sys.executable, '-m', __name__, '--standby'] + sockets
        self._process = subprocess.Popen(command + (['--segmenter', segmenter] if segmenter else []),
                                         stdin=subprocess.PIPE)
        os.environ[STANDBY_DIR_ENV] = self._folder

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self) -> None:
        if self._folder is None:
            return
        if os.environ.get(STANDBY_DIR_ENV) == self._folder:
            del os.environ[STANDBY_DIR_ENV]
        if self._process is not None:
            self._process.stdin.close()  # every standby reads the same pipe
            try:
                self._process.wait(timeout=_REAP_SECONDS + 5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        shutil.rmtree(self._folder, ignore_errors=True)
        self._folder = None


def standby_workers(argv) -> StandbyWorkers:
    """StandbyWorkers for the job's arguments (none where the run starts no worker process)."""
    return StandbyWorkers(local_worker_count(argv), _first_look(argv).segmenter)


def _connect(path: str) -> Optional[socket.socket]:
    deadline = time.monotonic() + _CONNECT_SECONDS
    while True:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(path)
            return connection
        except (FileNotFoundError, ConnectionRefusedError):
            connection.close()
            if time.monotonic() > deadline:
                return None
            time.sleep(0.01)


def _hand_over(folder: str) -> Optional[int]:
    """Run this worker in a free standby of ``folder``: its exit status, or None if none took it."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return None
    for name in names:
        if not name.endswith('.free'):
            continue
        claimed = os.path.join(folder, '%s.taken-%d' % (name[:-len('.free')], os.getpid()))
        try:
            os.rename(os.path.join(folder, name), claimed)  # atomic: one worker per standby
        except OSError:
            continue
        connection = _connect(claimed.rsplit('.taken-', 1)[0] + '.sock')
        if connection is None:
            continue
        with connection, connection.makefile('rwb') as stream:
            stream.write(json.dumps(dict(os.environ)).encode('utf-8') + b'\n')
            stream.flush()
            if stream.readline() != b'started\n':
                continue  # the standby ended before it started: try another
            status = stream.readline()
        return int(status) if status.strip().isdigit() else 1
    return None


def _exit_at_end_of(read, status: int, unless: threading.Event = None) -> None:
    """Read until the other end closes, then end this process (``unless`` is set by then)."""
    while read(4096):
        pass
    if unless is None or not unless.is_set():
        _reap_forked()
        os._exit(status)


_FORKED = []  # the standbys this process forked


def _reap_forked() -> None:
    """Wait (a bounded time) for the standbys this process forked, so that StandbyWorkers, which
    waits for this process alone, leaves none behind."""
    deadline = time.monotonic() + _REAP_SECONDS
    while _FORKED and time.monotonic() < deadline:
        pid, _ = os.waitpid(_FORKED[0], os.WNOHANG)
        if pid:
            _FORKED.pop(0)
        else:
            time.sleep(0.01)


def _fork_standbys(listeners: list) -> socket.socket:
    """Fork a process for each listener but the first; return the listener this process serves.

    Called with no other thread running, after the imports and the preparation, which the forked
    processes share (gc.freeze in local_worker.prepare keeps the collector from copying them).
    """
    for index in range(1, len(listeners)):
        pid = os.fork()
        if pid == 0:
            del _FORKED[:]
            for other, listener in enumerate(listeners):
                if other != index:
                    listener.close()
            return listeners[index]
        _FORKED.append(pid)
    for listener in listeners[1:]:
        listener.close()
    return listeners[0]


def _standby(paths: list, segmenter: Optional[str]) -> None:
    """Standbys: import the worker's modules, prepare for the job's segmenter (None: the default),
    fork one process per further socket, and in each wait for a worker's environment and run as it.

    The sockets are bound first, so a worker command can connect while this process prepares.
    """
    listeners = []
    for path in paths:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(1)
        listeners.append(listener)
    del sys.argv[1:]  # as the worker command's: PipelineOptions() without flags reads sys.argv
    from beam_jobs import local_worker
    # Not from beam_jobs.options: a worker that has imported the job's PipelineOptions parses the
    # job's options (as the runner sends them) with them, and fails on some (scale_history, round M).
    from wwm.segmenters import DEFAULT_SEGMENTER
    local_worker.prepare(segmenter or DEFAULT_SEGMENTER)
    listener = _fork_standbys(listeners)
    handed_over = threading.Event()
    # os.read, not sys.stdin: every standby reads the pipe, and a buffered reader's lock is not
    # shared across fork.
    threading.Thread(target=_exit_at_end_of, args=(functools.partial(os.read, 0), 0, handed_over),
                     daemon=True).start()
    connection, _ = listener.accept()
    listener.close()
    stream = connection.makefile('rwb')
    environment = json.loads(stream.readline())
    handed_over.set()
    os.environ.clear()
    os.environ.update(environment)
    stream.write(b'started\n')
    stream.flush()
    # From here the worker command waits on this process: if it is killed, end too.
    reported = threading.Event()
    threading.Thread(target=_exit_at_end_of, args=(connection.recv, 1, reported), daemon=True).start()
    status = local_worker.run_harness()
    reported.set()
    stream.write(b'%d\n' % status)
    stream.flush()
    _reap_forked()
    exit_now(status)


def main(argv) -> None:
    """Beam's worker command (no arguments), or standbys
    (``--standby SOCKET [SOCKET ...] [--segmenter NAME]``)."""
    if argv[:1] == ['--standby']:
        sockets, segmenter = argv[1:], None
        if '--segmenter' in sockets:
            sockets, segmenter = sockets[:sockets.index('--segmenter')], sockets[-1]
        _standby(sockets, segmenter)
        return
    folder = os.environ.get(STANDBY_DIR_ENV)
    status = _hand_over(folder) if folder else None
    if status is not None:
        sys.exit(status)
    os.execv(sys.executable, [sys.executable, '-m', WORKER_MODULE])


if __name__ == '__main__':
    main(sys.argv[1:])
