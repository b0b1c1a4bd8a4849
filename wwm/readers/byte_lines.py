"""Lines of a byte stream with their offsets, never holding more than ``max_line_bytes`` of one line.

``readline()`` would hold a line of hundreds of MB whole before we could refuse it; reading fixed-size
chunks lets a line past the limit be skipped to its end, keeping only its offset and length.
"""
from typing import Iterator, NamedTuple, Union

CHUNK_BYTES = 1 << 20


class ByteLine(NamedTuple):
    """One line without its line end (a trailing ``\\r`` of a CRLF is left for the decoder to
    strip)."""
    offset: int
    number: int
    data: bytes


class LongLine(NamedTuple):
    """A line longer than the limit: skipped, only where it was and how long."""
    offset: int
    number: int
    length: int


def byte_lines(stream, max_line_bytes: int, chunk_bytes: int = CHUNK_BYTES,
               newline: bytes = b'\n') -> Iterator[Union[ByteLine, LongLine]]:
    """Every line of ``stream`` (a binary file object), in order, as ByteLine or LongLine;
    ``newline`` ends lines (``b'\\r'`` for a file with CR-only line ends)."""
    offset = number = size = 0
    parts = []
    while True:
        chunk = stream.read(chunk_bytes)
        if not chunk:
            break
        start = 0
        while True:
            end = chunk.find(newline, start)
            stop = len(chunk) if end < 0 else end
            size += stop - start
            if size <= max_line_bytes:
                parts.append(chunk[start:stop])
            else:
                parts = []
            if end < 0:
                break
            yield _line(offset, number, size, parts, max_line_bytes)
            offset += size + 1
            number += 1
            size = 0
            parts = []
            start = end + 1
    if size:
        yield _line(offset, number, size, parts, max_line_bytes)


def _line(offset, number, size, parts, max_line_bytes):
    if size > max_line_bytes:
        return LongLine(offset, number, size)
    return ByteLine(offset, number, b''.join(parts))
