"""Document quality filters: too short, too little Chinese, too repetitive; and news boilerplate
lines, which are removed from a document rather than dropping it.

Repetition follows Gopher (Rae et al. 2021, table A1) adapted to Chinese: n-grams are of
characters (Chinese has no spaces), and only word characters (letters, digits, CJK) count, so
punctuation neither creates n-grams nor dilutes them. Lines are compared after stripping spaces.
A threshold of 0 (or 1 for a ``max_`` fraction) turns its filter off.
"""
import re
from collections import Counter
from typing import List, NamedTuple, Optional, Tuple

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

_CJK = re.compile('[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]')
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


def word_chars(text: str) -> str:
    """Letters, digits and CJK characters only (no spaces, punctuation or symbols)."""
    return _NOT_WORD.sub('', text)


def cjk_fraction(chars: str) -> float:
    """Share of CJK ideographs in ``chars``, a text's word characters (0 when there are none)."""
    return len(_CJK.findall(chars)) / len(chars) if chars else 0.0


def duplicate_line_fraction(text: str) -> float:
    """Share of a document's non-empty lines that repeat an earlier line."""
    lines = [line.strip() for line in text.split('\n') if line.strip()]
    return 1 - len(set(lines)) / len(lines) if lines else 0.0


def top_ngram_fraction(chars: str, n: int = TOP_NGRAM_SIZE) -> float:
    """Share of ``chars`` covered by occurrences of its most frequent n-gram (Gopher)."""
    if len(chars) < MIN_CHARS_FOR_NGRAMS:
        return 0.0
    gram, count = Counter(chars[i:i + n] for i in range(len(chars) - n + 1)).most_common(1)[0]
    if count < 2:
        return 0.0
    covered = bytearray(len(chars))  # occurrences may overlap ("哈哈哈哈"): count characters once
    start = chars.find(gram)
    while start >= 0:
        covered[start:start + n] = b'\x01' * n
        start = chars.find(gram, start + 1)
    return sum(covered) / len(chars)


def duplicate_ngram_fraction(chars: str, n: int = DUPLICATE_NGRAM_SIZE) -> float:
    """Share of ``chars`` covered by n-grams that occur more than once in it (Gopher)."""
    if len(chars) < MIN_CHARS_FOR_NGRAMS:
        return 0.0
    starts = {}
    covered = bytearray(len(chars))
    for i in range(len(chars) - n + 1):
        first = starts.setdefault(chars[i:i + n], i)
        if first != i:
            covered[first:first + n] = b'\x01' * n
            covered[i:i + n] = b'\x01' * n
    return sum(covered) / len(chars)


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
