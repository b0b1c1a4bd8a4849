"""Progress lines of a local run: input bytes read of the total, documents read, documents
tokenized, instances made, the reading rate and the time left to read, on stderr every
--progress_seconds.

Beam's local runners run the pipeline synchronously and hand its metrics to the launcher only at
the end, so the counts travel through files: the launcher makes a temporary folder and passes its
path to the read stage and to the counts of documents tokenized and instances made (a plain
constructor argument); each worker process keeps its counts in its own file there
(``<pid>.json``, rewritten at most once a second, atomically), and a daemon thread of the
launcher sums the files and prints a line. On remote
runners the folder is None and the Beam counters of each stage (transforms/keep_or_drop.py,
``read_documents/bytes_read``) are what the runner's UI shows.

A file being read counts the bytes its reader has taken from the stored file so far (compressed
bytes for a compressed file): on Linux the offset of the process's descriptor of the file
(``/proc/self/fdinfo``), elsewhere (and for remote files) nothing until the file is read whole.
"""
import contextlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from typing import Dict, Iterable, Iterator, NamedTuple, Optional

import apache_beam as beam

WRITE_EVERY_S = 1.0  # how often a worker rewrites its counts file, at most
DOCUMENTS, TOKENIZED, INSTANCES = 'documents', 'tokenized', 'instances'
_FILE_SUFFIX = '.json'


def _stored_position(path: str) -> int:
    """Bytes this process has read from the stored file at ``path`` so far: the offset of its open
    descriptor of the file (Linux), 0 where none is found."""
    real = os.path.realpath(path)
    try:
        descriptors = os.listdir('/proc/self/fd')
    except OSError:
        return 0
    for descriptor in descriptors:
        try:
            if os.readlink('/proc/self/fd/' + descriptor) != real:
                continue
            with open('/proc/self/fdinfo/' + descriptor, encoding='ascii') as info:
                return int(info.readline().split()[1])  # "pos:\t<offset>"
        except (OSError, ValueError, IndexError):
            continue
    return 0


class WorkerTally:
    """One worker process's counts in one progress folder, written to the process's own file at most
    every WRITE_EVERY_S (and by ``flush``). Thread-safe: a worker runs bundles in several threads."""

    def __init__(self, folder: str):
        self._path = os.path.join(folder, '%d%s' % (os.getpid(), _FILE_SUFFIX))
        self._lock = threading.Lock()
        self._counts = {DOCUMENTS: 0, TOKENIZED: 0, INSTANCES: 0}
        self._done = {}     # path of a file read whole -> its size
        self._reading = {}  # path of a file being read -> its size (the cap of its position)
        self._written_at = 0.0

    def add(self, name: str, value: int = 1) -> None:
        with self._lock:
            self._counts[name] += value
        if time.monotonic() - self._written_at >= WRITE_EVERY_S:
            self.flush()

    def start_file(self, path: str, size: int) -> None:
        with self._lock:
            self._reading[path] = size

    def finish_file(self, path: str, size: int) -> None:
        """``path`` was read whole: it counts its size from now on, and the counts are written."""
        with self._lock:
            self._reading.pop(path, None)
            self._done[path] = size
        self.flush()

    def flush(self) -> None:
        """Write the counts now: to a temporary file, then renamed over the process's file, so the
        launcher never reads half a file."""
        with self._lock:
            self._written_at = time.monotonic()
            data = dict(self._counts, bytes=dict(self._done))
            reading = dict(self._reading)
        for path, size in reading.items():
            data['bytes'][path] = min(_stored_position(path), size)
        temporary = self._path + '.tmp'
        with open(temporary, 'w', encoding='utf-8') as handle:
            json.dump(data, handle)
        os.replace(temporary, self._path)


_TALLIES: Dict[tuple, WorkerTally] = {}
_TALLIES_LOCK = threading.Lock()


def worker_tally(folder: str) -> WorkerTally:
    """This process's WorkerTally of ``folder`` (one per process, shared by its DoFns)."""
    key = (folder, os.getpid())
    with _TALLIES_LOCK:
        if key not in _TALLIES:
            _TALLIES[key] = WorkerTally(folder)
        return _TALLIES[key]


class CountProgress(beam.DoFn):
    """Counts its elements as ``name`` in the progress folder ``folder``; outputs nothing."""

    def __init__(self, folder: str, name: str):
        super().__init__()
        self._folder = folder
        self._name = name

    def process(self, element):
        worker_tally(self._folder).add(self._name)

    def finish_bundle(self):
        worker_tally(self._folder).flush()


class Totals(NamedTuple):
    """The sums of the workers' files: bytes of input read, documents read, documents tokenized
    (the stages between reading and instances take most of a run), instances made."""
    bytes_read: int
    documents: int
    tokenized: int
    instances: int


def sum_worker_files(folder: str, sizes: Dict[str, int]) -> Totals:
    """The workers' counts summed; a file's bytes are its largest count in any worker (a retried
    read counts once), at most its size (``sizes``: path -> bytes)."""
    counts = dict.fromkeys((DOCUMENTS, TOKENIZED, INSTANCES), 0)
    read = {}
    for name in os.listdir(folder):
        if not name.endswith(_FILE_SUFFIX):
            continue
        try:
            with open(os.path.join(folder, name), encoding='utf-8') as handle:
                data = json.load(handle)
        except (OSError, ValueError):  # a worker file replaced or removed while listing
            continue
        for name in counts:
            counts[name] += data.get(name, 0)
        for path, count in data.get('bytes', {}).items():
            read[path] = max(read.get(path, 0), count)
    return Totals(sum(min(count, sizes.get(path, count)) for path, count in read.items()),
                  counts[DOCUMENTS], counts[TOKENIZED], counts[INSTANCES])


def _unit(total_bytes: int) -> tuple:
    for name, size in (('GB', 1e9), ('MB', 1e6)):
        if total_bytes >= size:
            return name, size
    return 'KB', 1e3


def _duration(seconds: float) -> str:
    """A time left as a person reads it: 25 s, 3 min, 2 h 05 min."""
    if seconds < 90:
        return '%d s' % max(1, round(seconds))
    minutes = round(seconds / 60)
    return '%d min' % minutes if minutes < 90 else '%d h %02d min' % divmod(minutes, 60)


def progress_line(totals: Totals, total_bytes: int, elapsed_s: float) -> str:
    """One progress line (without the program's prefix). While the input is being read: the rate,
    bytes read over ``elapsed_s`` (the time spent reading), and the time left at that rate, an
    estimate of the reading alone: the stages after reading (instances, shards, manifest) still
    run once it is done, which the line then says."""
    unit, size = _unit(total_bytes)
    read = min(totals.bytes_read, total_bytes)
    percent = 100 * read // total_bytes if total_bytes else 100
    parts = ['%d%% of input read (%.1f of %.1f %s)' % (percent, read / size, total_bytes / size, unit),
             '%s documents' % format(totals.documents, ','),
             '%s tokenized' % format(totals.tokenized, ','),
             '%s instances' % format(totals.instances, ',')]
    rate = read / elapsed_s if elapsed_s > 0 else 0
    if read >= total_bytes:
        parts.append('reading done, later stages running')
    elif rate:
        rate_unit, rate_size = _unit(rate)
        parts.append('%.1f %s/s, about %s left to read' % (
            rate / rate_size, rate_unit, _duration((total_bytes - read) / rate)))
    return ', '.join(parts)


def _report(prog: str, folder: str, sizes: Dict[str, int], seconds: float, stop) -> None:
    """Print a progress line every ``seconds`` until ``stop`` is set. The rate is measured from
    the last look that found nothing read (reading began after it), so that the seconds Beam takes
    to start do not count as slow reading."""
    reading_since = time.monotonic()
    total = sum(sizes.values())
    while not stop.wait(seconds):
        totals = sum_worker_files(folder, sizes)
        now = time.monotonic()
        line = progress_line(totals, total, now - reading_since)
        if not totals.bytes_read:
            reading_since = now
        print('%s: progress: %s' % (prog, line), file=sys.stderr, flush=True)


@contextlib.contextmanager
def local_progress(prog: str, files: Iterable, seconds: float, local: bool) -> Iterator[Optional[str]]:
    """The progress folder to pass to the stages while the block runs (None: no progress, on a
    remote runner or with ``seconds`` 0), with a thread printing progress lines; the folder is
    removed afterwards. ``files``: the InputFiles (their ``path`` and ``size``)."""
    if not local or seconds <= 0:
        yield None
        return
    folder = tempfile.mkdtemp(prefix='%s-progress-' % prog)
    stop = threading.Event()
    thread = threading.Thread(target=_report, name='progress', daemon=True,
                              args=(prog, folder, {f.path: f.size for f in files}, seconds, stop))
    thread.start()
    try:
        yield folder
    finally:
        stop.set()
        thread.join()
        shutil.rmtree(folder, ignore_errors=True)
