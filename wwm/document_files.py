"""Documents from one input file, in any supported format, streamed (never loaded whole).

The file is opened through Beam's FileSystems, which decompresses by extension (``.gz``, ``.bz2``,
``.zst``...). Its first ``HEAD_BYTES`` decide the encoding and the format when they are ``auto``
(wwm.readers.encodings, wwm.readers.detect); then the format's reader in wwm/readers/ yields
Document and Dropped records. Lines with undecodable bytes are kept with U+FFFD and reported
through ``on_bad_line(offset)``.
"""
from typing import Callable, Iterator, Union

from apache_beam.io.filesystems import FileSystems

from schemas.records import Document, Dropped
from schemas.sources import ReadSpec
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
FORMATS = ('auto',) + tuple(READERS)


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


def resolved_format(path: str, spec: ReadSpec, head: bytes, encoding: str) -> str:
    if spec.format != 'auto':
        return spec.format
    return detect_format(path, head.decode(encoding, errors='replace'))


def read_documents(path: str, name: str, on_bad_line: Callable[[int], None] = lambda offset: None,
                   spec: ReadSpec = ReadSpec()) -> Iterator[Union[Document, Dropped]]:
    """Documents (and Dropped records for unreadable ones) of the file at ``path``.

    ``name`` identifies the file in document ids (``<name>:<n>``), so ids do not depend on where
    the corpus lies.
    """
    with FileSystems.open(path) as handle:
        head = _read_head(handle)
        encoding = (detect_encoding(head, len(head) < HEAD_BYTES) if spec.encoding == 'auto'
                    else spec.encoding)
        source = InputFile(_Replay(head, handle), name, encoding, spec.max_line_bytes,
                           spec.text_field, on_bad_line,
                           head.decode(encoding, errors='replace'))
        yield from READERS[resolved_format(path, spec, head, encoding)](source)
