"""One opened input file as the format readers see it: its bytes, its decoded lines with offsets,
and the records they make (Document, Dropped) with ids that name the file."""
from typing import Callable, Iterator, NamedTuple, Union

from schemas.records import Document, Dropped
from wwm.readers.byte_lines import ByteLine, byte_lines
from wwm.readers.encodings import decode_line

SAMPLE_CHARS = 200


class Line(NamedTuple):
    offset: int
    number: int
    text: str


class InputFile:
    """``stream`` yields the file's decompressed bytes; ``encoding`` is already resolved;
    ``head_text`` is the decoded start of the file, for readers whose layout depends on it."""

    def __init__(self, stream, name: str, encoding: str, max_line_bytes: int, text_field: str,
                 on_bad_line: Callable[[int], None], head_text: str = ''):
        self.stream = stream
        self.head_text = head_text
        self.name = name
        self.encoding = encoding
        self.max_line_bytes = max_line_bytes
        self.text_field = text_field
        self._on_bad_line = on_bad_line

    def lines(self) -> Iterator[Union[Line, Dropped]]:
        """Decoded lines; a line over ``max_line_bytes`` becomes a ``line_too_long`` Dropped."""
        for line in byte_lines(self.stream, self.max_line_bytes):
            if not isinstance(line, ByteLine):
                yield self.dropped('line_too_long', '@%d' % line.offset,
                                   'line %d of %d bytes' % (line.number + 1, line.length), line.offset)
                continue
            text, damaged = decode_line(line.data, self.encoding, line.number == 0)
            if damaged:
                self._on_bad_line(line.offset)
            yield Line(line.offset, line.number, text)

    def document(self, number: int, text: str) -> Document:
        return Document('%s:%d' % (self.name, number), self.name, text)

    def dropped(self, reason: str, where, sample: str, offset: int) -> Dropped:
        """``where`` is a record number (id ``name:N``) or a string suffix such as ``@offset``."""
        suffix = ':%d' % where if isinstance(where, int) else where
        return Dropped(reason, self.name + suffix, self.name, sample[:SAMPLE_CHARS], offset)
