"""Document quality filters: too short, too little Chinese, too repetitive; and news boilerplate
lines, which are removed from a document rather than dropping it.

Repetition follows Gopher (Rae et al. 2021, table A1) adapted to Chinese: n-grams are of
characters (Chinese has no spaces), and only word characters (letters, digits, CJK) count, so
punctuation neither creates n-grams nor dilutes them. Lines are compared after stripping spaces.
A threshold of 0 (or 1 for a ``max_`` fraction) turns its filter off.

The character measures run in numpy over the text's code units (one per character): done a
character or an n-gram at a time in Python, they cost as much as the rest of the stage.
"""
import re
from typing import NamedTuple, Optional, Tuple

import numpy as np

# Reasons, in the order they are checked; a document gets the first that applies.
TOO_SHORT = 'too_short'
LOW_CJK = 'low_cjk_fraction'
REPEATED_LINES = 'repeated_lines'
REPEATED_NGRAMS = 'repeated_ngrams'

TOP_NGRAM_SIZE = 4        # ~2 Chinese words: the most frequent one should not dominate the text
DUPLICATE_NGRAM_SIZE = 10  # ~5-6 Chinese words: repeats of this length are copied text
# Gopher measures n-grams only on documents of 50+ words; below that a title repeated in the first
# sentence ("操作系统列表\n此列表列出了……") already looks repetitive.
MIN_CHARS_FOR_NGRAMS = 50
# n-gram tables grow with the text: a document of hundreds of MB is measured on its first
# MAX_MEASURED_CHARS word characters, so a worker's memory stays bounded.
MAX_MEASURED_CHARS = 200_000

# CJK ideographs: the unified blocks (with extension A and the supplementary planes' B to G) and the
# compatibility block.
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))
_NOT_WORD = re.compile(r'[\W_]+')


class FilterThresholds(NamedTuple):
    """Defaults are the job's (see docs/usage.md for what each drops on the real corpora)."""
    min_chars: int = 20
    min_cjk_fraction: float = 0.3
    max_duplicate_line_fraction: float = 0.5
    max_top_ngram_fraction: float = 0.3
    max_duplicate_ngram_fraction: float = 0.9


NO_FILTERS = FilterThresholds(0, 0.0, 1.0, 1.0, 1.0)


class Rejection(NamedTuple):
    reason: str
    detail: str


def _cjk_table() -> np.ndarray:
    """Whether each code point is a CJK ideograph, up to one past the last: looked up with indices
    clipped to the table, that last False entry stands for every code point above it."""
    table = np.zeros(_CJK_RANGES[-1][1] + 2, dtype=bool)
    for first, last in _CJK_RANGES:
        table[first:last + 1] = True
    return table


_IS_CJK = _cjk_table()


def word_chars(text: str) -> str:
    """Letters, digits and CJK characters only (no spaces, punctuation or symbols)."""
    return _NOT_WORD.sub('', text)


def cjk_fraction(chars: str) -> float:
    """Share of CJK ideographs in ``chars``, a text's word characters (0 when there are none)."""
    if not chars:
        return 0.0
    codes = np.frombuffer(chars.encode('utf-32-le', 'surrogatepass'), dtype=np.uint32)
    return int(np.count_nonzero(_IS_CJK.take(codes, mode='clip'))) / len(chars)


def duplicate_line_fraction(text: str) -> float:
    """Share of a document's non-empty lines that repeat an earlier line."""
    lines = [line.strip() for line in text.split('\n') if line.strip()]
    return 1 - len(set(lines)) / len(lines) if lines else 0.0


def top_ngram_fraction(chars: str, n: int = TOP_NGRAM_SIZE) -> float:
    """Share of ``chars`` covered by occurrences of its most frequent n-gram (Gopher).

    Of n-grams equally frequent, the one seen first is measured (as ``Counter.most_common`` picks).
    """
    if len(chars) < max(MIN_CHARS_FOR_NGRAMS, n):
        return 0.0
    starts, same = _starts_by_gram(chars, n)
    edges = np.concatenate(([True], ~same, [True])).nonzero()[0]  # where each gram's run begins, and the end
    counts = edges[1:] - edges[:-1]
    top = counts.max()
    if top < 2:
        return 0.0
    runs = edges[:-1][counts == top]
    first = runs[np.argmin(starts[runs])]  # a run lists its gram's starts in text order
    return _covered(starts[first:first + top], n) / len(chars)


def duplicate_ngram_fraction(chars: str, n: int = DUPLICATE_NGRAM_SIZE) -> float:
    """Share of ``chars`` covered by n-grams that occur more than once in it (Gopher)."""
    if len(chars) < max(MIN_CHARS_FOR_NGRAMS, n):
        return 0.0
    starts, same = _starts_by_gram(chars, n)
    repeated = np.concatenate(([False], same)) | np.concatenate((same, [False]))
    return _covered(np.sort(starts[repeated]), n) / len(chars)


_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd, so multiplying by it permutes the 64-bit words


def _starts_by_gram(chars: str, n: int) -> Tuple[np.ndarray, np.ndarray]:
    """The start of every n-gram of ``chars``, grouped by gram and in text order within a gram; and
    for each start but the first in that order, whether its gram is the one of the start before it.

    Exact, and several times faster than sorting the grams themselves: one uint64 per gram is sorted,
    a hash of the gram in its high bits and the start in its low bits. Grams of equal hash are then
    compared byte for byte; only if two different grams share a hash are the grams sorted instead.
    """
    units, width = _code_units(chars)
    count = len(chars) - n + 1
    grams = np.ndarray((count,), 'V%d' % (n * width), units, 0, (width,))  # a view: nothing copied
    if n * width >= 8:
        start_bits = count.bit_length()
        start_mask = (1 << start_bits) - 1
        keys = _gram_hashes(units, width, n, count)
        keys &= np.uint64(~start_mask & 0xFFFFFFFFFFFFFFFF)
        keys |= np.arange(count, dtype=np.uint64)
        keys.sort()
        starts = (keys & np.uint64(start_mask)).astype(np.intp)
        keys >>= np.uint64(start_bits)
        same = keys[1:] == keys[:-1]
        pairs = same.nonzero()[0]
        if (grams[starts[pairs]] == grams[starts[pairs + 1]]).all():
            return starts, same
    starts = np.argsort(grams, kind='stable')
    ordered = grams[starts]
    return starts, ordered[1:] == ordered[:-1]


def _code_units(chars: str) -> Tuple[bytes, int]:
    """``chars`` as one fixed-width code unit per character, and the width in bytes: UTF-16 when all
    characters are in the Basic Multilingual Plane (almost all Chinese text), else UTF-32."""
    units = chars.encode('utf-16-le', 'surrogatepass')
    if len(units) == 2 * len(chars):
        return units, 2
    return chars.encode('utf-32-le', 'surrogatepass'), 4


def _gram_hashes(units: bytes, width: int, n: int, count: int) -> np.ndarray:
    """A 64-bit hash of each of the ``count`` n-grams of ``units`` (n * width >= 8 bytes each): the
    gram's bytes read as 64-bit words, the last one overlapping the one before, mixed by multiply-xor."""
    per_word = 8 // width
    words = np.ndarray((len(units) // width - per_word + 1,), '<u8', units, 0, (width,)).copy()
    offsets = list(range(0, n - per_word + 1, per_word)) + ([n - per_word] if n % per_word else [])
    hashes = words[:count] * _MIX
    for offset in offsets[1:]:
        hashes ^= words[offset:offset + count]
        hashes *= _MIX
    return hashes


def _covered(starts: np.ndarray, n: int) -> int:
    """How many characters the n-grams at the ascending ``starts`` cover; overlaps ("哈哈哈哈") count once."""
    if not len(starts):
        return 0
    return int(np.minimum(starts[1:] - starts[:-1], n).sum()) + n


def rejection(text: str, thresholds: FilterThresholds) -> Optional[Rejection]:
    """Why ``text`` fails the filters (the first failing check), or None if it passes."""
    chars = word_chars(text)
    if len(chars) < thresholds.min_chars:
        return Rejection(TOO_SHORT, '%d word characters < %d' % (len(chars), thresholds.min_chars))
    measured = chars[:MAX_MEASURED_CHARS]
    checks = (  # (reason, measure, threshold, whether the threshold is a maximum)
        (LOW_CJK, cjk_fraction, chars, thresholds.min_cjk_fraction, False),
        (REPEATED_LINES, duplicate_line_fraction, text, thresholds.max_duplicate_line_fraction, True),
        (REPEATED_NGRAMS, top_ngram_fraction, measured, thresholds.max_top_ngram_fraction, True),
        (REPEATED_NGRAMS, duplicate_ngram_fraction, measured, thresholds.max_duplicate_ngram_fraction, True),
    )
    for reason, measure, argument, limit, is_max in checks:
        if limit >= 1 if is_max else limit <= 0:
            continue
        value = measure(argument)
        if value > limit if is_max else value < limit:
            return Rejection(reason, '%s %.3f %s %.3f' % (measure.__name__, value,
                                                          '>' if is_max else '<', limit))
    return None
