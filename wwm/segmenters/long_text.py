"""Cutting sentences too long for a segmenter into pieces that concatenate back to the sentence.

Neural LTP reads at most 512 tokens and silently drops the rest; the other backends have no limit
but a bounded piece bounds their memory. A piece ends after the last clause punctuation or space
that fits, and only where there is none at a hard character limit.
"""
from typing import List

BREAK_AFTER = frozenset('，、；：。！？…,;:!?')


def _is_break(char: str) -> bool:
    return char in BREAK_AFTER or char.isspace()


def _cut_point(text: str, start: int, max_chars: int) -> int:
    """End of the next piece: after the last break within reach, else at the limit."""
    for cut in range(start + max_chars, start, -1):
        if _is_break(text[cut - 1]):
            return cut
    return start + max_chars


def split_long_text(text: str, max_chars: int) -> List[str]:
    """Pieces of at most ``max_chars`` characters whose concatenation is ``text``."""
    pieces = []
    start = 0
    while len(text) - start > max_chars:
        cut = _cut_point(text, start, max_chars)
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces
