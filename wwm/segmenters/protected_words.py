"""Protected words of a user dictionary: never split, whatever the segmenter says.

Backends treat a user dictionary as a hint (jieba's word frequencies, LTP's ``add_words`` hook)
and can still cut a listed word, so every backend's output is corrected afterwards: each
leftmost-longest occurrence of a protected word in the sentence becomes one word, and the words
that overlapped it keep their parts outside it.
"""
from typing import Dict, Iterable, List, Sequence, Tuple

from wwm import filesystems
from wwm.native import c_jieba as _jieba  # its trie also finds the protected words (see matches)
from wwm.tokens.wordpiece import word_spans


def read_user_dict(path: str) -> bytes:
    """A dictionary file's bytes, from a local path or any Beam filesystem."""
    with filesystems.open_read(path, filesystems.UNCOMPRESSED) as handle:
        return handle.read()


def parse_user_dict(data: bytes) -> List[str]:
    """Words of a dictionary in jieba's layout ("word [freq] [tag]" a line, UTF-8, BOM and CRLF
    allowed): the first field of each non-blank line. Raises ValueError if not UTF-8."""
    try:
        text = data.decode('utf-8-sig')
    except UnicodeDecodeError as error:
        raise ValueError('not UTF-8 (%s at byte %d)' % (error.reason, error.start)) from None
    return [line.split()[0] for line in text.split('\n') if line.strip()]


class ProtectedWords:
    def __init__(self, words: Iterable[str]):
        self._words = frozenset(word for word in words if word)
        lengths: Dict[str, set] = {}
        for word in self._words:
            lengths.setdefault(word[0], set()).add(len(word))
        self._lengths = {char: sorted(found, reverse=True) for char, found in lengths.items()}
        self._trie = _jieba.words(sorted(self._words)) if _jieba else None

    def matches(self, text: str) -> List[Tuple[int, int]]:
        """Non-overlapping (start, end) of protected words, leftmost first, longest at each start:
        a walk of wwm/native/_jieba.c's trie where it was built, else py_matches (the reference)."""
        if self._trie is not None:
            return _jieba.longest(self._trie, text)
        return self.py_matches(text)

    def py_matches(self, text: str) -> List[Tuple[int, int]]:
        """matches() in Python: at each position the lengths of the words starting with its character."""
        found = []
        position = 0
        while position < len(text):
            # a length that runs past the text is skipped (its clipped slice is a shorter word)
            end = next((position + length for length in self._lengths.get(text[position], ())
                        if position + length <= len(text)
                        and text[position:position + length] in self._words), None)
            if end is None:
                position += 1
            else:
                found.append((position, end))
                position = end
        return found

    def enforce(self, text: str, words: Sequence[str]) -> List[str]:
        """``words`` re-cut so that every protected occurrence is one word. Unchanged when the
        text holds none; otherwise the words are slices of ``text`` between the boundaries.
        In wwm/native/_jieba.c where it was built and the words concatenate to the text (jieba's always
        do), else py_enforce (the reference)."""
        if self._trie is not None and type(words) is list:
            protected = _jieba.protect(self._trie, text, words)
            if protected is not None:
                return protected
        return self.py_enforce(text, words)

    def py_enforce(self, text: str, words: Sequence[str]) -> List[str]:
        """enforce() in Python, for any words (spans found left to right, see word_spans)."""
        found = self.matches(text)
        if not found:
            return list(words)
        spans, _ = word_spans(text, words)
        boundaries = {0, len(text)}
        boundaries.update(edge for span in spans if span[0] >= 0 for edge in span)
        for start, end in found:
            boundaries.difference_update(range(start + 1, end))
            boundaries.update((start, end))
        edges = sorted(boundaries)
        return [text[start:end] for start, end in zip(edges, edges[1:])]
