"""Decompressed input streams that fail loudly on a damaged or truncated file.

Beam's ``FileSystems.open`` picks a decompressor by extension too, but its ``CompressedFile``
simply ends when a gzip, bz2 or zstd stream is cut short (measured with Beam 2.77): the tail of a
truncated file would be lost without a word. Python's ``gzip`` and ``bz2`` readers raise
``EOFError`` instead, and the zstd reader below checks that the last frame was complete. All of
them read multi-member/multi-frame files (``cat a.gz b.gz``, ``pbzip2``, ``zstd -T``) whole.
"""
import bz2
import gzip
import lzma

import zstandard

CHUNK_BYTES = 1 << 20


class TruncatedError(EOFError):
    pass


class _ZstdReader:
    """zstd frames one after another, ``EOFError`` when the input ends inside a frame."""

    def __init__(self, raw):
        self._raw = raw
        self._frame = zstandard.ZstdDecompressor().decompressobj()
        self._started = False
        self._buffer = b''

    def _decompress(self, data: bytes) -> bytes:
        out = []
        while data:
            if self._frame.eof:
                self._frame = zstandard.ZstdDecompressor().decompressobj()
            self._started = True
            out.append(self._frame.decompress(data))
            data = self._frame.unused_data if self._frame.eof else b''
        return b''.join(out)

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            data = self._raw.read(CHUNK_BYTES)
            if not data:
                if self._started and not self._frame.eof:
                    raise TruncatedError('zstd stream ends inside a frame (truncated file?)')
                break
            self._buffer += self._decompress(data)
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


OPENERS = {
    '.gz': lambda raw: gzip.GzipFile(fileobj=raw, mode='rb'),
    '.bz2': bz2.BZ2File,
    '.zst': _ZstdReader,
    '.zstd': _ZstdReader,
    '.xz': lzma.LZMAFile,
    '.lzma': lzma.LZMAFile,
}
SUFFIXES = tuple(OPENERS)


def decompressing(raw, path: str):
    """A binary reader of ``raw``'s decompressed bytes, by the extension of ``path`` (None when
    the extension names no compression handled here)."""
    for suffix, opener in OPENERS.items():
        if path.lower().endswith(suffix):
            return opener(raw)
    return None
