"""Documents from one input file, in any supported format, streamed (never loaded whole).

The file is opened through Beam's FileSystems (local, gs://, ...) and decompressed by extension
(``.gz``, ``.bz2``, ``.zst``, ``.xz``; see wwm.readers.decompress for why not by Beam). Its first
``HEAD_BYTES`` decide the encoding, the line end and the format when they are ``auto``
(wwm.readers.encodings, wwm.readers.detect); a head of only ASCII bytes is read on, at most
``ASCII_READ_ON_BYTES``, to a non-ASCII byte to sample the encoding from there. Then the format's
reader in wwm/readers/ yields Document and Dropped records. Lines with undecodable bytes are kept
with U+FFFD and counted in the ``FileReport``.

A damaged or truncated compressed file is read up to the damage: the records the reader makes
before reaching it are kept; the record it makes from the bytes at the damage (a partial line or
document) becomes ``truncated_document``; then one ``unreadable_file`` record says where reading
stopped and what was left.
"""
import re
from typing import Iterator, Optional, Union

from schemas.records import Document, Dropped
from schemas.sources import FORMATS, ReadSpec
from wwm import filesystems
from wwm.readers import (dureader, json_lines, mediawiki_dump, plain_text, sogou, squad, thucnews,
                         wikiextractor)
from wwm.readers.decompress import SUFFIXES, decompressing
from wwm.readers.detect import detect_format
from wwm.readers.encodings import (WIDE_ENCODINGS, Utf8Stream, bom_encoding, detect_encoding,
                                   fallback_encoding)
from wwm.readers.input_file import InputFile, ReadCounts

HEAD_BYTES = 256 << 10
ASCII_READ_ON_BYTES = 16 << 20
READ_ON_CHUNK_BYTES = 1 << 20
_NON_ASCII = re.compile(rb'[\x80-\xff]')
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
    """The file's bytes: the start is read ahead (for detection) and then handed out again.
    ``position`` counts the bytes handed out, for reports; ``at_end`` is set once a read has
    returned the end of the data."""

    def __init__(self, handle):
        self._handle = handle
        self._held = b''
        self._at = 0
        self.complete = False  # the whole file is held
        self.position = 0
        self.at_end = False

    def read_ahead(self, size: int) -> bytes:
        """Holds at least ``size`` bytes (fewer at the end of the file) and returns them all; for
        the start of the file, before any ``read``."""
        parts = [self._held]
        held = len(self._held)
        while held < size and not self.complete:
            part = self._handle.read(size - held)
            self.complete = not part
            parts.append(part)
            held += len(part)
        self._held = b''.join(parts)
        return self._held

    def read_past_ascii(self, limit: int) -> Optional[int]:
        """Reads ahead until a non-ASCII byte is held (or ``limit`` bytes, or the end); returns
        its index, or None."""
        while True:
            found = _NON_ASCII.search(self._held)
            if found or self.complete or len(self._held) >= limit:
                return found.start() if found else None
            before = len(self._held)
            self.read_ahead(before + READ_ON_CHUNK_BYTES)
            found = _NON_ASCII.search(self._held, before)
            if found:
                return found.start()

    def read(self, size: int = -1) -> bytes:
        if self._at < len(self._held):
            end = len(self._held) if size < 0 else self._at + size
            data = self._held[self._at:end]
            self._at += len(data)
            if self._at >= len(self._held):
                self._held, self._at = b'', 0
            if size < 0:
                data += self._handle.read()
        else:
            data = self._handle.read(size)
        self.position += len(data)
        if not data and size:
            self.at_end = True
        return data


class FileReport(ReadCounts):
    """What reading one file found: the format and encoding used (the encoding named as detected:
    ``utf-16``/``utf-32`` files are read re-encoded as UTF-8), and the counts of ReadCounts."""

    def __init__(self):
        super().__init__()
        self.format = None
        self.encoding = None


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
    with filesystems.open_read(path, filesystems.UNCOMPRESSED if compressed
                               else filesystems.AUTO) as raw:
        decompressed = decompressing(raw, path)
        stream = _Replay(decompressed or raw)
        try:
            source = _open(stream, path, name, spec, report)
            for record in READERS[report.format](source) if source else ():
                if source.stream.at_end and decompressed is not None and decompressed.error:
                    record = _truncated(record)
                yield record
        except OSError as error:  # the file itself could not be read on
            yield Dropped('unreadable_file', '%s@%d' % (name, stream.position), name,
                          '%s: %s' % (type(error).__name__, error), stream.position)
            return
        if decompressed is not None and decompressed.error:
            yield Dropped('unreadable_file', '%s@%d' % (name, decompressed.produced), name,
                          decompressed.error, decompressed.produced)


def _truncated(record: Union[Document, Dropped]) -> Dropped:
    """The record a reader made from the bytes at a damage: a partial document."""
    if isinstance(record, Document):
        return Dropped('truncated_document', record.doc_id, record.source, record.text)
    return Dropped('truncated_document', record.doc_id, record.source, record.sample, record.offset,
                   'read as %s' % record.reason)


def _encoding(stream: _Replay, head: bytes) -> str:
    """The encoding ``auto`` finds: a byte order mark's, else detect_encoding's on a sample that
    starts at the first non-ASCII byte (read on for it if the head is all ASCII)."""
    marked = bom_encoding(head)
    if marked:
        return marked
    first = stream.read_past_ascii(ASCII_READ_ON_BYTES)
    if first is None:  # ASCII as far as read on: UTF-8, and a later GB18030 line falls back
        return 'utf-8'
    start = stream.read_ahead(0).rfind(b'\n', 0, first) + 1  # the line of the first non-ASCII byte
    held = stream.read_ahead(start + HEAD_BYTES)
    return detect_encoding(held[start:start + HEAD_BYTES],
                           stream.complete and len(held) <= start + HEAD_BYTES)


def _newline(head: bytes) -> bytes:
    """``\\r`` for a file whose lines end in CR alone (old Mac files), else ``\\n``."""
    return b'\r' if head.count(b'\r') > 2 * head.count(b'\n') else b'\n'


def _open(stream: _Replay, path: str, name: str, spec: ReadSpec,
          report: FileReport) -> Optional[InputFile]:
    """The file as its reader sees it, with encoding and format resolved (in ``report``); None
    for a file of only blank lines, which has no documents whatever its format."""
    held = stream.read_ahead(HEAD_BYTES)
    whole = stream.complete and len(held) <= HEAD_BYTES
    head = held[:HEAD_BYTES]
    report.encoding = _encoding(stream, head) if spec.encoding == 'auto' else spec.encoding
    encoding = report.encoding
    if encoding in WIDE_ENCODINGS:
        stream = _Replay(Utf8Stream(stream, encoding))
        head, encoding = stream.read_ahead(HEAD_BYTES)[:HEAD_BYTES], 'utf-8'
    head_text = head.decode(encoding, errors='replace')
    report.format = resolved_format(path, spec, head_text)
    if whole and not head_text.strip('\ufeff \t\r\n'):
        return None
    fallback = fallback_encoding(encoding) if spec.encoding == 'auto' else None
    return InputFile(stream, name, spec, encoding, report, head_text, _newline(head), fallback)
