"""Decompressed input streams that hand on every byte before a damage or a cut, then say so.

Beam's ``FileSystems.open`` picks a decompressor by extension too, but its ``CompressedFile``
simply ends when a gzip, bz2 or zstd stream is cut short (measured with Beam 2.77): the tail of a
truncated file would be lost without a word. Python's ``GzipFile``/``BZ2File``/``LZMAFile`` raise
instead, but they raise out of a ``read(size)`` call and the bytes that call had already
decompressed (up to 1 MiB for our readers) are lost with it.

So the file is decompressed here with the incremental decompressors (``zlib`` with gzip framing,
``bz2``, ``lzma``, ``zstandard``), fed ``CHUNK_BYTES`` of compressed input at a time, every call
bounded in output (a small file that expands to gigabytes is read in bounded memory). Multi-member
and multi-frame files (``cat a.gz b.gz``, ``pbzip2``, ``zstd -T``) are read whole; zero bytes
between members (gzip and xz padding) are skipped. When the input ends inside a member, or a
decompressor refuses its input, ``read`` first hands on everything produced before, then returns
``b''`` (end of data) and ``error`` says what happened and where: the readers finish as at the end
of a file and the caller reports the rest as lost.
"""
import bz2
import io
import lzma
import zlib
from typing import Optional

import zstandard

CHUNK_BYTES = 64 << 10
# zstd's decompressobj has no output bound: a compressed byte can make up to ~32 KiB, so it is fed
# this much at a time (at most ~32 MiB out of one call).
ZSTD_FEED_BYTES = 1 << 10
ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, zstandard.ZstdError)


class _Bounded:
    """One bz2 or xz/lzma stream: their decompressors keep unread input and bound their output."""

    def __init__(self, name, factory):
        self.name = name
        self._d = factory()

    def decompress(self, data: bytes, max_length: int) -> bytes:
        return self._d.decompress(data, max_length)

    @property
    def needs_input(self):
        return self._d.needs_input

    @property
    def eof(self):
        return self._d.eof

    @property
    def unused_data(self):
        return self._d.unused_data


class _Zlib(_Bounded):
    """One gzip member (zlib with gzip framing), whose decompressor hands back unread input as
    ``unconsumed_tail`` instead of keeping it."""

    def __init__(self):
        super().__init__('gzip', lambda: zlib.decompressobj(wbits=31))
        self._needs_input = True

    def decompress(self, data: bytes, max_length: int) -> bytes:
        out = self._d.decompress(self._d.unconsumed_tail + data, max_length)
        self._needs_input = not self._d.unconsumed_tail
        return out

    @property
    def needs_input(self):
        return self._needs_input


class _Zstd:
    """One zstd frame, fed ``ZSTD_FEED_BYTES`` at a time to bound each call's output."""
    name = 'zstd'

    def __init__(self):
        self._d = zstandard.ZstdDecompressor().decompressobj()
        self._input = b''
        self._offset = 0

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if data:
            self._input, self._offset = data, 0
        start = self._offset
        self._offset += ZSTD_FEED_BYTES
        return self._d.decompress(self._input[start:self._offset])

    @property
    def needs_input(self):
        return self._offset >= len(self._input)

    @property
    def eof(self):
        return self._d.eof

    @property
    def unused_data(self):
        return self._d.unused_data + self._input[self._offset:] if self._d.eof else b''


DECOMPRESSORS = {
    '.gz': _Zlib,
    '.bz2': lambda: _Bounded('bz2', bz2.BZ2Decompressor),
    '.zst': _Zstd,
    '.zstd': _Zstd,
    '.xz': lambda: _Bounded('xz', lzma.LZMADecompressor),
    '.lzma': lambda: _Bounded('lzma', lzma.LZMADecompressor),
}
SUFFIXES = tuple(DECOMPRESSORS)


class DecompressedStream:
    """``read(size)`` of the decompressed bytes of ``raw``; see the module docstring.

    ``position`` counts the decompressed bytes handed on, ``produced`` those decompressed so far;
    ``error`` is None, or once ``read`` has returned its last bytes before a damage, what went
    wrong, where, and what is left unread.
    """

    def __init__(self, raw, new_member):
        self._raw = raw
        self._new_member = new_member
        self._member = None
        self._input = b''
        self._buffer = b''
        self._ended = False
        self.compressed_read = 0
        self._chunk_start = 0  # where the compressed input being decoded starts
        self.produced = 0
        self.position = 0
        self.error: Optional[str] = None

    def read(self, size: int = -1) -> bytes:
        parts, held = [self._buffer], len(self._buffer)
        while not self._ended and (size < 0 or held < size):
            part = self._step(CHUNK_BYTES if size < 0 else max(size - held, CHUNK_BYTES))
            parts.append(part)
            held += len(part)
        data = b''.join(parts)
        if 0 <= size < len(data):
            data, self._buffer = data[:size], data[size:]
        else:
            self._buffer = b''
        self.position += len(data)
        return data

    def _next_input(self) -> bytes:
        data = self._raw.read(CHUNK_BYTES)
        self._chunk_start = self.compressed_read
        self.compressed_read += len(data)
        return data

    def _step(self, max_length: int) -> bytes:
        """Some decompressed bytes (maybe none); sets ``_ended`` at the end or at a damage."""
        member = self._member
        if member is None or member.eof:
            rest = (member.unused_data if member is not None else b'').lstrip(b'\0')
            while not rest:
                rest = self._next_input()
                if not rest:
                    self._ended = True  # a clean end: after a complete member, or an empty file
                    return b''
                rest = rest.lstrip(b'\0')
            member = self._member = self._new_member()
            self._input = rest
        elif member.needs_input:
            self._input = self._next_input()
            if not self._input:
                self._fail('%s stream ends inside a member (truncated file?)' % member.name,
                           'the compressed file ends at byte %d' % self.compressed_read)
                return b''
        try:
            data, self._input = member.decompress(self._input, max_length), b''
        except ERRORS as error:
            unread = self._unread_bytes()
            self._fail('%s: %s' % (type(error).__name__, error),
                       'the damage lies in compressed bytes %d-%d, %s after them left unread' % (
                           self._chunk_start, self.compressed_read,
                           'the rest' if unread is None else '%d bytes' % unread))
            return b''
        self.produced += len(data)
        return data

    def _unread_bytes(self) -> Optional[int]:
        """Compressed bytes not read yet (None when the raw stream cannot tell its size)."""
        try:
            return self._raw.seek(0, io.SEEK_END) - self.compressed_read
        except (OSError, AttributeError, ValueError):
            return None

    def _fail(self, what: str, where: str) -> None:
        self._ended = True
        self.error = '%s; decompressed up to byte %d; %s' % (what, self.produced, where)


def decompressing(raw, path: str) -> Optional[DecompressedStream]:
    """A DecompressedStream of ``raw``, by the extension of ``path`` (None when the extension names
    no compression handled here)."""
    lower = path.lower()
    for suffix, new_member in DECOMPRESSORS.items():
        if lower.endswith(suffix):
            return DecompressedStream(raw, new_member)
    return None
