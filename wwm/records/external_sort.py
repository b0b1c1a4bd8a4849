"""Sorting more records than fit in memory: sorted runs spilled to temporary files, then merged.

A shard must be written in a fixed order to be byte-reproducible, and a shard can outgrow a worker's
memory as the corpus grows; Beam's Python SDK has no sorter for that, so this is ours. Records are
bytes, sorted by bytes comparison (wwm.records.balanced_shards.shard_record makes that the global order).
"""
import heapq
import struct
import tempfile
from typing import Iterable, Iterator

_LENGTH = struct.Struct('>I')
# What a held record costs besides its bytes: the bytes object's header and the list's pointer.
RECORD_OVERHEAD = 41


def write_run(handle, records: Iterable[bytes]) -> int:
    """Length-prefixed ``records`` to a binary file handle; returns how many there were."""
    count = 0
    for record in records:
        handle.write(_LENGTH.pack(len(record)))
        handle.write(record)
        count += 1
    return count


def read_run(handle) -> Iterator[bytes]:
    """The records write_run wrote to ``handle``, in order; closes it at the end."""
    with handle:
        while True:
            header = handle.read(_LENGTH.size)
            if not header:
                return
            yield handle.read(_LENGTH.unpack(header)[0])


def split_run(data) -> Iterator[bytes]:
    """The records of write_run's bytes held in memory (a whole run file), in order."""
    offset, size = 0, len(data)
    while offset < size:
        if offset + _LENGTH.size > size:
            raise ValueError('truncated run: %d bytes after the last record' % (size - offset))
        (length,), offset = _LENGTH.unpack_from(data, offset), offset + _LENGTH.size
        if offset + length > size:
            raise ValueError('truncated run: a record of %d bytes has %d' % (length, size - offset))
        yield bytes(data[offset:offset + length])
        offset += length


def run_slice(data, skip: int, take: int) -> bytes:
    """Records ``skip`` to ``skip + take`` of write_run's bytes held in memory, as write_run's bytes.

    Raises ValueError where the run holds fewer records (a run file cut short, or another one's).
    """
    offset = start = 0
    for index in range(skip + take):
        if index == skip:
            start = offset
        if offset + _LENGTH.size > len(data):
            raise ValueError('the run holds %d records, not the %d needed' % (index, skip + take))
        offset += _LENGTH.size + _LENGTH.unpack_from(data, offset)[0]
        if offset > len(data):
            raise ValueError('truncated run: its record %d is cut short' % index)
    return bytes(data[start:offset]) if take else b''


def _spill(records: list, directory: str):
    records.sort()
    handle = tempfile.TemporaryFile(dir=directory)
    write_run(handle, records)
    handle.seek(0)
    return handle


def sorted_records(records: Iterable[bytes], max_bytes: int = 256 << 20,
                   directory: str = None) -> Iterator[bytes]:
    """``records`` in bytes order, holding at most about ``max_bytes`` of them."""
    runs = []
    buffer = []
    held = 0
    for record in records:
        buffer.append(record)
        held += len(record) + RECORD_OVERHEAD
        if held >= max_bytes:
            runs.append(_spill(buffer, directory))
            buffer, held = [], 0
    buffer.sort()
    if not runs:
        yield from buffer
        return
    yield from heapq.merge(buffer, *(read_run(run) for run in runs))
