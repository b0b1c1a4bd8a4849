"""Plain text: one sentence or paragraph a line, a blank line between documents.

A document is cut into pieces while it is read, as soon as it passes ``--max_document_chars`` (a
file without blank lines would otherwise be held whole: 100 MB took 11 GB), so at most one piece
and one line are held.
"""
from wwm.readers.input_file import Line
from wwm.readers.pieces import take_pieces


def read(source):
    limit = source.max_document_chars
    lines, chars = [], -1  # the document's lines not handed out yet; their length joined
    number = cut_off = 0   # the document's number; its pieces handed out so far
    for line in source.lines():
        if not isinstance(line, Line):
            yield line
        elif line.text.strip():
            lines.append(line.text)
            chars += len(line.text) + 1
            if chars > limit:
                pieces, rest = take_pieces('\n'.join(lines), limit)
                yield from source.pieces(number, cut_off, pieces, last=False)
                cut_off += len(pieces)
                lines, chars = [rest], len(rest)
        elif lines:
            yield from _rest(source, number, cut_off, lines)
            lines, chars, number, cut_off = [], -1, number + 1, 0
    if lines:
        yield from _rest(source, number, cut_off, lines)


def _rest(source, number: int, cut_off: int, lines):
    """The document's last piece, or the whole document when nothing was cut off it."""
    text = '\n'.join(lines)
    if cut_off:
        return source.pieces(number, cut_off, [text], last=True)
    return source.documents(number, text)
