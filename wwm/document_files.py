"""Documents from one input file, in any supported format, streamed (never loaded whole).

The file is opened through Beam's FileSystems (local, gs://, ...) and decompressed by extension
(``.gz``, ``.bz2``, ``.zst``, ``.xz``; see wwm.readers.decompress for why not by Beam). Its first
``HEAD_BYTES`` decide the encoding and the format when they are ``auto`` (wwm.readers.encodings,
wwm.readers.detect); then the format's reader in wwm/readers/ yields
Document and Dropped records. Lines with undecodable bytes are kept with U+FFFD and reported
in the ``FileReport``. A damaged compressed file ends in an ``unreadable_file`` record at the
decompressed offset reached; the documents before it are kept.
"""
import lzma
import zlib
from typing import Iterator, Optional, Union

import zstandard

from apache_beam.io.filesystems import CompressionTypes, FileSystems

from schemas.records import Document, Dropped
from schemas.sources import FORMATS, ReadSpec
from wwm.readers import (dureader, json_lines, mediawiki_dump, plain_text, sogou, squad, thucnews,
                         wikiextractor)
from wwm.readers.decompress import SUFFIXES, decompressing
from wwm.readers.detect import detect_format
from wwm.readers.encodings import detect_encoding
from wwm.readers.input_file import InputFile

HEAD_BYTES = 256 << 10
# What a damaged compressed file raises while being read (gzip, bz2, xz, zstd, truncation).
DECOMPRESSION_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, zstandard.ZstdError)
READERS = {
    'text': plain_text.read,
    'jsonl': json_lines.read,
    'wiki_xml': mediawiki_dump.read,
    'wikiextractor': wikiextractor.read,
    'thucnews': thucnews.read,
    'sogou': sogou.read,
    'squad': squad.read,
    'dureader': dureader.read,
}
assert tuple(READERS) == FORMATS[1:]


class _Replay:
    """The file's decompressed bytes: its head is read first (for detection) and then handed out
    again; ``position`` counts the bytes handed out, for reports."""

    def __init__(self, handle):
        self._handle = handle
        self._head = b''
        self.position = 0

    def read_head(self) -> bytes:
        parts, size = [], 0
        while size < HEAD_BYTES:
            part = self._handle.read(HEAD_BYTES - size)
            if not part:
                break
            parts.append(part)
            size += len(part)
        self._head = b''.join(parts)
        return self._head

    def read(self, size: int = -1) -> bytes:
        if not self._head:
            data = self._handle.read(size)
        elif size < 0:
            data, self._head = self._head + self._handle.read(), b''
        else:
            data, self._head = self._head[:size], self._head[size:]
        self.position += len(data)
        return data


class FileReport:
    """What reading one file found: the format and encoding used, and the lines whose bytes did
    not decode (kept with U+FFFD), with the offset of the first."""

    def __init__(self):
        self.format = None
        self.encoding = None
        self.undecodable_lines = 0
        self.first_undecodable_offset = -1

    def undecodable(self, offset: int) -> None:
        if not self.undecodable_lines:
            self.first_undecodable_offset = offset
        self.undecodable_lines += 1


def resolved_format(path: str, spec: ReadSpec, head_text: str) -> str:
    return detect_format(path, head_text) if spec.format == 'auto' else spec.format


def read_documents(path: str, name: str, spec: ReadSpec = ReadSpec(),
                   report: Optional[FileReport] = None) -> Iterator[Union[Document, Dropped]]:
    """Documents (and Dropped records for unreadable ones) of the file at ``path``.

    ``name`` identifies the file in document ids (``<name>:<n>``), so ids do not depend on where
    the corpus lies. ``report``, when given, is filled in as the file is read.
    """
    report = report or FileReport()
    compressed = path.lower().endswith(SUFFIXES)
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED if compressed
                          else CompressionTypes.AUTO) as raw:
        stream = _Replay(decompressing(raw, path) or raw)
        try:
            yield from _read(stream, path, name, spec, report)
        except DECOMPRESSION_ERRORS as error:
            yield Dropped('unreadable_file', '%s@%d' % (name, stream.position), name,
                          '%s: %s' % (type(error).__name__, error), stream.position)


def _read(stream: _Replay, path: str, name: str, spec: ReadSpec, report: FileReport):
    head = stream.read_head()
    report.encoding = (detect_encoding(head, len(head) < HEAD_BYTES) if spec.encoding == 'auto'
                       else spec.encoding)
    head_text = head.decode(report.encoding, errors='replace')
    report.format = resolved_format(path, spec, head_text)
    if len(head) < HEAD_BYTES and not head_text.strip('\ufeff \t\r\n'):
        return  # an empty file (or only blank lines): no documents, whatever its format
    source = InputFile(stream, name, report.encoding, spec.max_line_bytes, spec.text_field,
                       report.undecodable, head_text)
    yield from READERS[report.format](source)
