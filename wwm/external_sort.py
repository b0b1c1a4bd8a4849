"""Sorting more records than fit in memory: sorted runs spilled to temporary files, then merged.

A shard must be written in a fixed order to be byte-reproducible, and a shard can outgrow a worker's
memory as the corpus grows; Beam's Python SDK has no sorter for that, so this is ours.
"""
import heapq
import pickle
import tempfile
from typing import Iterable, Iterator, Tuple

Record = Tuple[tuple, bytes]


def _spill(records: list, directory: str):
    records.sort()
    handle = tempfile.TemporaryFile(dir=directory)
    for record in records:
        pickle.dump(record, handle, protocol=pickle.HIGHEST_PROTOCOL)
    handle.seek(0)
    return handle


def _replay(handle) -> Iterator[Record]:
    with handle:
        while True:
            try:
                yield pickle.load(handle)
            except EOFError:
                return


def sorted_records(records: Iterable[Record], max_bytes: int = 256 << 20,
                   directory: str = None) -> Iterator[Record]:
    """(key, payload) records in key order, holding at most about ``max_bytes`` of payload."""
    runs = []
    buffer = []
    held = 0
    for record in records:
        buffer.append(record)
        held += len(record[1]) + 64
        if held >= max_bytes:
            runs.append(_spill(buffer, directory))
            buffer, held = [], 0
    buffer.sort()
    if not runs:
        yield from buffer
        return
    yield from heapq.merge(buffer, *(_replay(run) for run in runs))
