"""Masked-LM predictions: which tokens are predicted, and what the model sees in their place.

Shared by static masking (the pipeline) and dynamic masking (wwm.training.collator), so both give
the same statistics. The budget is counted in tokens, as in Google's reference:
``min(max_predictions, max(1, round(len(tokens) * masked_lm_prob)))`` with [CLS] and [SEP] counted.

Strategies choose the predicted tokens:
- ``token``: single tokens; ``wwm``: whole words (masking groups), taken in random order while they
  fit the budget (the reference's algorithm);
- ``ngram``/``mac``: n-grams of 1..N adjacent whole words, n drawn with ``ngram_probs`` (see
  ``choose_ngrams``).
Each chosen token (``unit='token'``) or word (``unit='word'``) is then replaced by [MASK] 80% of
the time, kept 10% and replaced by random vocab tokens 10%. For ``mac`` the 80% is a similar word of
the same token count (``similar_words``: token ids -> candidate token ids), or [MASK] when there is
none.
"""
import itertools
from collections import Counter
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from schemas.records import TrainingInstance, UnmaskedInstance
from wwm.native import kernels
from wwm.instances.pairs import NO_GROUP

STRATEGIES = ('wwm', 'token', 'ngram', 'mac')
UNITS = ('word', 'token')
DEFAULT_NGRAM_PROBS = (0.4, 0.3, 0.2, 0.1)
SimilarWords = Dict[Tuple[int, ...], List[Tuple[int, ...]]]


class MaskingConfig(NamedTuple):
    strategy: str = 'wwm'
    unit: str = 'token'
    masked_lm_prob: float = 0.15
    max_predictions: int = 20
    ngram_probs: Tuple[float, ...] = DEFAULT_NGRAM_PROBS


class MaskedTokens(NamedTuple):
    """The ids the model sees, the sorted predicted positions, and counts for the manifest."""
    output_ids: List[int]
    positions: List[int]
    stats: Counter


def num_predictions(num_tokens: int, masked_lm_prob: float, max_predictions_per_seq: int) -> int:
    """The reference formula; ``num_tokens`` counts [CLS] and [SEP]."""
    return min(max_predictions_per_seq, max(1, int(round(num_tokens * masked_lm_prob))))


def candidate_groups(group_ids: Sequence[int], whole_word: bool) -> List[List[int]]:
    """Token positions of each maskable group: runs of one group number; [CLS]/[SEP] excluded."""
    return kernels.candidate_groups(group_ids, whole_word, NO_GROUP)


def choose_groups(group_ids: Sequence[int], whole_word: bool, budget: int, rng) -> List[List[int]]:
    """The reference's choice: the candidate groups in random order, each taken if it fits the budget."""
    return kernels.choose_groups(group_ids, whole_word, NO_GROUP, budget, rng.getrandbits)


def _draw_length(probs: Sequence[float], rng) -> int:
    point = rng.random()
    for length, prob in enumerate(probs, 1):
        point -= prob
        if point < 0:
            return length
    return max(length for length, prob in enumerate(probs, 1) if prob > 0)   # rounding left a rest


class _NgramSpace:
    """Which n-grams of words are still free, adjacent (no [SEP] inside) and within the budget."""

    def __init__(self, words: List[List[int]]):
        self.words = words
        self.taken = [False] * len(words)
        self.prefix = [0]
        for word in words:
            self.prefix.append(self.prefix[-1] + len(word))
        self.breaks = [0]
        for left, right in zip(words, words[1:]):
            self.breaks.append(self.breaks[-1] + (right[0] != left[-1] + 1))

    def fits(self, start: int, n: int, room: int) -> bool:
        end = start + n
        return (self.prefix[end] - self.prefix[start] <= room
                and self.breaks[end - 1] == self.breaks[start]
                and not any(self.taken[start:end]))

    def take(self, start: int, n: int) -> Tuple[List[List[int]], int]:
        for index in range(start, start + n):
            self.taken[index] = True
        return self.words[start:start + n], self.prefix[start + n] - self.prefix[start]


def _random_fitting_start(space: _NgramSpace, n: int, room: int, rng) -> Optional[int]:
    """A start chosen uniformly among those where an n-gram fits: a few random probes, then a scan."""
    last = len(space.words) - n
    if last < 0:
        return None
    for _ in range(8):
        start = rng.randint(0, last)
        if space.fits(start, n, room):
            return start
    starts = [s for s in range(last + 1) if space.fits(s, n, room)]
    return starts[rng.randint(0, len(starts) - 1)] if starts else None


def choose_ngrams(words: List[List[int]], budget: int, probs: Sequence[float], rng) -> List[List[List[int]]]:
    """Whole-word n-grams until the token budget is spent.

    Each round draws n from ``probs`` (n = 1..len(probs)) and takes an n-gram at a start chosen
    uniformly among the places where n free adjacent words fit the remaining budget; when there is
    none, n-1, n-2... are tried. So overlaps never bias the lengths; only the end of the budget
    does (a long n-gram that no longer fits becomes a shorter one). Stops when not even one word fits.
    """
    space = _NgramSpace(words)
    chosen, used = [], 0
    while used < budget:
        n = _draw_length(probs, rng)
        for size in range(n, 0, -1):
            start = _random_fitting_start(space, size, budget - used, rng)
            if start is not None:
                ngram, tokens = space.take(start, size)
                chosen.append(ngram)
                used += tokens
                break
        else:
            break
    return chosen


def _random_ids(count: int, replacement_ids: Sequence[int], rng) -> List[int]:
    size = len(replacement_ids)
    return [replacement_ids[int(rng.random() * size)] for _ in range(count)]


class _Replacer:
    """Applies the 80/10/10 replacement to chosen positions, per token or per word."""

    def __init__(self, token_ids, mask_id, replacement_ids, similar_words, rng):
        self.output = list(token_ids)
        self.stats = Counter()
        self._token_ids = token_ids
        self._mask_id = mask_id
        self._replacement_ids = replacement_ids
        self._similar_words = similar_words
        self._rng = rng

    def per_token(self, words: List[List[int]]) -> None:
        kernels.replace_per_token(self.output, words, self._mask_id, self._replacement_ids, self._rng.random)

    def per_word(self, words: List[List[int]]) -> None:
        for word in words:
            if self._rng.random() < 0.8:
                replacement = [self._mask_id] * len(word)
                if self._similar_words is not None:
                    replacement = self._similar(word) or replacement
            elif self._rng.random() < 0.5:
                continue
            else:
                replacement = _random_ids(len(word), self._replacement_ids, self._rng)
            for position, token in zip(word, replacement):
                self.output[position] = token

    def _similar(self, word: List[int]) -> Optional[Tuple[int, ...]]:
        candidates = self._similar_words.get(tuple(self._token_ids[p] for p in word))
        if not candidates:
            self.stats['similar_word_fallbacks'] += 1
            return None
        self.stats['similar_word_replacements'] += 1
        return candidates[self._rng.randint(0, len(candidates) - 1)]


def mask_tokens(token_ids: Sequence[int], group_ids: Sequence[int], config: MaskingConfig, rng,
                mask_id: int, replacement_ids: Sequence[int],
                similar_words: Optional[SimilarWords] = None) -> MaskedTokens:
    """Choose and apply the predictions of one sequence (groups: see ``candidate_groups``)."""
    budget = num_predictions(len(token_ids), config.masked_lm_prob, config.max_predictions)
    whole_word = config.strategy != 'token'
    replacer = _Replacer(token_ids, mask_id, replacement_ids,
                         similar_words if config.strategy == 'mac' else None, rng)
    if config.strategy in ('ngram', 'mac'):
        ngrams = choose_ngrams(candidate_groups(group_ids, whole_word), budget, config.ngram_probs, rng)
        replacer.stats.update('ngram_length.%d' % len(ngram) for ngram in ngrams)
        words = [word for ngram in ngrams for word in ngram]
    else:
        words = choose_groups(group_ids, whole_word, budget, rng)
    (replacer.per_word if config.unit == 'word' else replacer.per_token)(words)
    replacer.stats['masked_words'] += len(words)
    return MaskedTokens(replacer.output, sorted(itertools.chain.from_iterable(words)), replacer.stats)


def mask_instance(instance: UnmaskedInstance, config: MaskingConfig, rng, mask_id: int,
                  replacement_ids: Sequence[int],
                  similar_words: Optional[SimilarWords] = None) -> Tuple[TrainingInstance, Counter]:
    """Static masking of one instance, with its counts for the manifest."""
    masked = mask_tokens(instance.token_ids, instance.group_ids, config, rng, mask_id, replacement_ids,
                         similar_words)
    original = instance.token_ids
    return TrainingInstance(masked.output_ids, list(instance.segment_ids), instance.next_sentence_label,
                            masked.positions, [original[p] for p in masked.positions], [], []), masked.stats
