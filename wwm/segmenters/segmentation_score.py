"""Word segmentation accuracy as the SIGHAN bakeoffs define it.

A word is a span of character positions in the sentence with whitespace removed; a predicted word
is correct when the gold segmentation has exactly that span. Precision is correct / predicted
words, recall is correct / gold words, F1 their harmonic mean, all summed over the corpus.
"""
from typing import List, NamedTuple, Sequence, Set, Tuple


class SegmentationScore(NamedTuple):
    gold_words: int
    predicted_words: int
    correct_words: int

    @property
    def precision(self) -> float:
        return self.correct_words / self.predicted_words if self.predicted_words else 0.0

    @property
    def recall(self) -> float:
        return self.correct_words / self.gold_words if self.gold_words else 0.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def __add__(self, other):
        return SegmentationScore(*(a + b for a, b in zip(self, other)))


def _spans(words: Sequence[str]) -> Tuple[Set[Tuple[int, int]], str]:
    """Span of each word over the text with whitespace removed, and that text. Segmenters may
    leave spaces on words ("running  "); they are not characters of the scored text."""
    spans = set()
    pieces = []
    position = 0
    for word in words:
        word = ''.join(word.split())
        if word:
            spans.add((position, position + len(word)))
            pieces.append(word)
            position += len(word)
    return spans, ''.join(pieces)


def score_sentence(gold: Sequence[str], predicted: Sequence[str]) -> SegmentationScore:
    """Counts for one sentence. Raises ValueError when the two do not cover the same text."""
    gold_spans, gold_text = _spans(gold)
    predicted_spans, predicted_text = _spans(predicted)
    if gold_text != predicted_text:
        raise ValueError('segmentation covers %r, gold covers %r' % (predicted_text[:40], gold_text[:40]))
    return SegmentationScore(len(gold_spans), len(predicted_spans), len(gold_spans & predicted_spans))


def score_corpus(gold: Sequence[List[str]], predicted: Sequence[List[str]]) -> SegmentationScore:
    """Corpus totals; raises ValueError on a sentence count mismatch or naming the first
    sentence whose texts differ."""
    if len(gold) != len(predicted):
        raise ValueError('%d segmented sentences for %d gold sentences' % (len(predicted), len(gold)))
    total = SegmentationScore(0, 0, 0)
    for number, (gold_words, predicted_words) in enumerate(zip(gold, predicted), 1):
        try:
            total += score_sentence(gold_words, predicted_words)
        except ValueError as error:
            raise ValueError('sentence %d: %s' % (number, error)) from None
    return total
