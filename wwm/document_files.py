"""Documents from one input file, in any supported format, streamed (never loaded whole).

The file is opened through Beam's FileSystems, which decompresses by extension (``.gz``, ``.bz2``,
``.zst``...). Its first ``HEAD_BYTES`` decide the encoding and the format when they are ``auto``
(wwm.readers.encodings, wwm.readers.detect); then the format's reader in wwm/readers/ yields
Document and Dropped records. Lines with undecodable bytes are kept with U+FFFD and reported
in the ``FileReport``.
"""
from typing import Iterator, Optional, Union

from apache_beam.io.filesystems import FileSystems

from schemas.records import Document, Dropped
from schemas.sources import FORMATS, ReadSpec
from wwm.readers import (dureader, json_lines, mediawiki_dump, plain_text, sogou, squad, thucnews,
                         wikiextractor)
from wwm.readers.detect import detect_format
from wwm.readers.encodings import detect_encoding
from wwm.readers.input_file import InputFile

HEAD_BYTES = 256 << 10
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
    """A binary stream that first returns bytes already read from it (the head)."""

    def __init__(self, head: bytes, rest):
        self._head = head
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if not self._head:
            return self._rest.read(size)
        if size < 0:
            data, self._head = self._head + self._rest.read(), b''
            return data
        data, self._head = self._head[:size], self._head[size:]
        return data


def _read_head(handle) -> bytes:
    parts, size = [], 0
    while size < HEAD_BYTES:
        part = handle.read(HEAD_BYTES - size)
        if not part:
            break
        parts.append(part)
        size += len(part)
    return b''.join(parts)


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


def resolved_format(path: str, spec: ReadSpec, head: bytes, encoding: str) -> str:
    if spec.format != 'auto':
        return spec.format
    return detect_format(path, head.decode(encoding, errors='replace'))


def read_documents(path: str, name: str, spec: ReadSpec = ReadSpec(),
                   report: Optional[FileReport] = None) -> Iterator[Union[Document, Dropped]]:
    """Documents (and Dropped records for unreadable ones) of the file at ``path``.

    ``name`` identifies the file in document ids (``<name>:<n>``), so ids do not depend on where
    the corpus lies. ``report``, when given, is filled in as the file is read.
    """
    report = report or FileReport()
    with FileSystems.open(path) as handle:
        head = _read_head(handle)
        report.encoding = (detect_encoding(head, len(head) < HEAD_BYTES) if spec.encoding == 'auto'
                           else spec.encoding)
        report.format = resolved_format(path, spec, head, report.encoding)
        head_text = head.decode(report.encoding, errors='replace')
        if len(head) < HEAD_BYTES and not head_text.strip('\ufeff \t\r\n'):
            return  # an empty file (or only blank lines): no documents, whatever its format
        source = InputFile(_Replay(head, handle), name, report.encoding, spec.max_line_bytes,
                           spec.text_field, report.undecodable, head_text)
        yield from READERS[report.format](source)
