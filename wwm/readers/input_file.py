"""One opened input file as the format readers see it: its bytes, its decoded lines with offsets,
and the records they make (Document, Dropped) with ids that name the file.

Every reader hands its documents out through ``documents`` (plain text, which cuts a document
while reading it, through ``pieces``), so the ``--max_document_chars`` bound and its counts live
here once: a longer document leaves as pieces (wwm/readers/pieces.py), ids ``<name>:<n>`` for the
first and ``<name>:<n>~<k>`` for piece ``k``.
"""
from typing import Iterator, List, NamedTuple, Sequence, Union

from schemas.records import Document, Dropped
from schemas.sources import ReadSpec
from wwm.readers.byte_lines import ByteLine, byte_lines
from wwm.readers.encodings import UTF8_BOM, Utf8Stream, decode_line
from wwm.readers.pieces import cut

SAMPLE_CHARS = 200


class Line(NamedTuple):
    offset: int
    number: int
    text: str


class ReadCounts:
    """What reading one file counted: lines read and those with undecodable bytes (with the
    offset of the first), documents cut into pieces and the pieces that added."""

    def __init__(self):
        self.lines_read = 0
        self.undecodable_lines = 0
        self.first_undecodable_offset = -1
        self.documents_split = 0
        self.document_pieces_added = 0

    def undecodable(self, offset: int) -> None:
        if not self.undecodable_lines:
            self.first_undecodable_offset = offset
        self.undecodable_lines += 1


class InputFile:
    """``stream`` yields the file's decompressed bytes; ``encoding`` is already resolved and
    ``fallback`` is the encoding tried on a line that does not decode in it (or None);
    ``head_text`` is the decoded start of the file, for readers whose layout depends on it;
    ``newline`` ends lines. ``counts`` is filled in as the file is read."""

    def __init__(self, stream, name: str, spec: ReadSpec, encoding: str, counts: ReadCounts,
                 head_text: str = '', newline: bytes = b'\n', fallback=None):
        self.stream = stream
        self.name = name
        self.encoding = encoding
        self.fallback = fallback
        self.head_text = head_text
        self.newline = newline
        self.max_line_bytes = spec.max_line_bytes
        self.max_document_chars = spec.max_document_chars
        self.text_field = spec.text_field
        self.counts = counts

    def lines(self) -> Iterator[Union[Line, Dropped]]:
        """Decoded lines; a line over ``max_line_bytes`` becomes a ``line_too_long`` Dropped."""
        line = None
        for line in byte_lines(self.stream, self.max_line_bytes, newline=self.newline):
            if not isinstance(line, ByteLine):
                yield self.dropped('line_too_long', '@%d' % line.offset,
                                   'line %d of %d bytes' % (line.number + 1, line.length), line.offset)
                continue
            text, damaged = decode_line(line.data, self.encoding, line.number == 0, self.fallback)
            if damaged:
                self.counts.undecodable(line.offset)
            yield Line(line.offset, line.number, text)
        self.counts.lines_read = 0 if line is None else line.number + 1

    def utf8_stream(self):
        """The file from its start as UTF-8 bytes without a byte order mark, for a JSON parser;
        it has ``position``, the bytes of the file read so far."""
        if self.encoding != 'utf-8':
            return Utf8Stream(self.stream, self.encoding)
        if self.head_text.startswith('\ufeff'):
            self.stream.read(len(UTF8_BOM))
        return self.stream

    def documents(self, number: int, text: str) -> Sequence[Document]:
        """Document ``number`` with ``text``: one Document, or its pieces when it is too long."""
        if len(text) <= self.max_document_chars:
            return (Document('%s:%d' % (self.name, number), self.name, text),)
        return self.pieces(number, 0, cut(text, self.max_document_chars), last=True)

    def pieces(self, number: int, first: int, texts: List[str], last: bool) -> List[Document]:
        """Pieces ``first``, ``first + 1``... of document ``number`` (``last``: its last ones, so
        it is counted in ``documents_split`` and ``document_pieces_added`` if it was cut)."""
        first_id = '%s:%d' % (self.name, number)
        documents = [Document('%s~%d' % (first_id, k) if k else first_id, self.name, text)
                     for k, text in enumerate(texts, first)]
        if last and first + len(texts) > 1:
            self.counts.documents_split += 1
            self.counts.document_pieces_added += first + len(texts) - 1
        return documents

    def dropped(self, reason: str, where, sample: str, offset: int) -> Dropped:
        """``where`` is a record number (id ``name:N``) or a string suffix such as ``@offset``."""
        suffix = ':%d' % where if isinstance(where, int) else where
        return Dropped(reason, self.name + suffix, self.name, sample[:SAMPLE_CHARS], offset)
