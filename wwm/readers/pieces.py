"""Documents longer than ``--max_document_chars`` cut into pieces, so that no stage holds more.

A plain-text file without blank lines is one document of any size (a novel, a scraped dump); every
later stage holds a whole document, so the readers cut such a document while it is being read.
Each piece is as long as the limit allows and ends, in order of preference, at a line break (which
goes with neither piece), after a sentence end (``。！？!?；;…`` and the closing quotes or brackets
that follow it), or at the limit itself. Cutting is greedy from the front, so cutting while reading
and cutting a finished text give the same pieces. Every search looks at most ``max_chars``
characters once, so the work is linear in the text.
"""
from typing import List, Tuple

SENTENCE_ENDS = '。！？!?；;…'
CLOSERS = '”’」』）)》〉】"\''


def _split_point(text: str, start: int, max_chars: int) -> Tuple[int, int]:
    """(end of the piece starting at ``start``, start of the rest), where more than ``max_chars``
    characters are left from ``start``."""
    limit = start + max_chars
    line_break = text.rfind('\n', start, limit + 1)
    if line_break > start:
        return line_break, line_break + 1
    sentence_end = max(text.rfind(mark, start, limit) for mark in SENTENCE_ENDS)
    if sentence_end < start:
        return limit, limit
    end = sentence_end + 1
    while end < limit and text[end] in CLOSERS:
        end += 1
    return end, end


def take_pieces(text: str, max_chars: int) -> Tuple[List[str], str]:
    """(the pieces cut from the front of ``text``, the rest, at most ``max_chars`` long)."""
    pieces = []
    start = 0
    while len(text) - start > max_chars:
        end, rest = _split_point(text, start, max_chars)
        pieces.append(text[start:end])
        start = rest
    return pieces, text[start:]


def cut(text: str, max_chars: int) -> List[str]:
    """``text`` as pieces of at most ``max_chars`` characters (itself alone when short enough);
    an empty rest (a text ending at a cut line break) is no piece."""
    pieces, rest = take_pieces(text, max_chars)
    if rest or not pieces:
        pieces.append(rest)
    return pieces
