"""Sentence-pair instances: Google's NSP (``create_pretraining_data.py``) and ALBERT's SOP.

A document is a list of segments (sentences); a segment is a pair of equal-length lists
(token ids, masking-group numbers). NSP is the reference algorithm: a target length per document
(shorter with probability short_seq_prob), chunks of whole sentences split at a random point into
A and B, B replaced by text from another document half of the time, then random truncation of the
longer side. Only the source of random documents differs: a bounded bucket, not the whole corpus.
SOP chunks the same way but never leaves the document (see ``create_order_instances``).
"""
from typing import List, Sequence, Tuple

from schemas.records import UnmaskedInstance
from wwm.native import kernels

Segment = Tuple[List[int], List[int]]
NO_GROUP = -1


def target_length(max_num_tokens: int, short_seq_prob: float, rng) -> int:
    """The reference's target: the maximum, or with probability short_seq_prob a random shorter one."""
    if rng.random() < short_seq_prob:
        return rng.randint(2, max_num_tokens)
    return max_num_tokens


class Tokens:
    """A run of tokens as two parallel lists, so that joining sentences, truncating and packing are
    list operations done in C rather than a Python step per token. As (id, group) pairs they took
    10% of the workers' time at dupe 10; NSP makes an instance in 14 instead of 23 us at seq 128 and
    in 27 instead of 52 us at seq 512 (the same instances: compared on 250 synthetic documents)."""
    __slots__ = ('ids', 'groups')

    def __init__(self, ids: List[int], groups: List[int]):
        self.ids = ids
        self.groups = groups

    def __len__(self) -> int:
        return len(self.ids)

    def extend(self, segment: Segment) -> None:
        self.ids.extend(segment[0])
        self.groups.extend(segment[1])

    def trimmed(self, front: int, back: int) -> 'Tokens':
        end = len(self.ids) - back
        return Tokens(self.ids[front:end], self.groups[front:end])


def truncate_seq_pair(tokens_a: Tokens, tokens_b: Tokens, max_num_tokens: int, rng) -> Tuple[Tokens, Tokens]:
    """Drop tokens from the longer side, at random from its front or back, until the pair fits.

    The reference's loop, one random draw per dropped token, counting what it drops instead of
    deleting tokens one at a time.
    """
    kept = [len(tokens_a), len(tokens_b)]
    cut = [[0, 0], [0, 0]]   # per side: dropped from the front, from the back
    while kept[0] + kept[1] > max_num_tokens:
        side = 0 if kept[0] > kept[1] else 1
        cut[side][0 if rng.random() < 0.5 else 1] += 1
        kept[side] -= 1
    return tokens_a.trimmed(*cut[0]), tokens_b.trimmed(*cut[1])


def truncate_outer_ends(tokens_a: Tokens, tokens_b: Tokens, max_num_tokens: int) -> Tuple[Tokens, Tokens]:
    """Drop tokens from the longer side at its outer end (A's front, B's back) until the pair fits,
    so that A and B stay adjacent text."""
    front = back = 0
    while len(tokens_a) - front + len(tokens_b) - back > max_num_tokens:
        if len(tokens_a) - front > len(tokens_b) - back:
            front += 1
        else:
            back += 1
    return tokens_a.trimmed(front, 0), tokens_b.trimmed(0, back)


def _join(segments: Sequence[Segment]) -> Tokens:
    tokens = Tokens([], [])
    for segment in segments:
        tokens.extend(segment)
    return tokens


def _pick_random_document(documents: Sequence, document_index: int, rng):
    """The reference's choice: up to 10 draws for an index other than this document's."""
    for _ in range(10):
        random_index = rng.randint(0, len(documents) - 1)
        if random_index != document_index:
            break
    return documents[random_index]


def _pack(tokens_a: Tokens, tokens_b: Tokens, label: int, cls_id, sep_id) -> UnmaskedInstance:
    ids = [cls_id] + tokens_a.ids + [sep_id] + tokens_b.ids + [sep_id]
    segments = [0] * (len(tokens_a) + 2) + [1] * (len(tokens_b) + 1)
    groups = [NO_GROUP] + tokens_a.groups + [NO_GROUP] + tokens_b.groups + [NO_GROUP]
    return UnmaskedInstance(ids, segments, groups, label)


def create_pair_instances(documents: Sequence[Sequence[Segment]], document_index: int,
                          max_seq_length: int, short_seq_prob: float, rng,
                          cls_id: int, sep_id: int) -> List[UnmaskedInstance]:
    """All NSP instances of ``documents[document_index]``; other documents supply random B's.

    In C (wwm/native/_kernels.c's pair_instances) where it was built, for lists of segments that are
    (ids list, groups list) tuples: the same draws from ``rng`` in the same order as
    py_create_pair_instances, the reference, so the same instances (tests/wwm/native/test_kernels.py).
    """
    if kernels.compiled is None:
        return py_create_pair_instances(documents, document_index, max_seq_length, short_seq_prob, rng,
                                        cls_id, sep_id)
    return kernels.compiled.pair_instances(
        documents if type(documents) is list else list(documents), document_index, max_seq_length,
        short_seq_prob, rng, cls_id, sep_id, NO_GROUP, UnmaskedInstance)


def py_create_pair_instances(documents: Sequence[Sequence[Segment]], document_index: int,
                             max_seq_length: int, short_seq_prob: float, rng,
                             cls_id: int, sep_id: int) -> List[UnmaskedInstance]:
    """create_pair_instances in Python, the reference algorithm of Google's script."""
    document = documents[document_index]
    max_num_tokens = max_seq_length - 3
    target_seq_length = target_length(max_num_tokens, short_seq_prob, rng)

    instances = []
    current_chunk = []
    current_length = 0
    i = 0
    while i < len(document):
        segment = document[i]
        current_chunk.append(segment)
        current_length += len(segment[0])
        if i == len(document) - 1 or current_length >= target_seq_length:
            if current_chunk:
                a_end = 1
                if len(current_chunk) >= 2:
                    a_end = rng.randint(1, len(current_chunk) - 1)
                tokens_a = _join(current_chunk[:a_end])
                if len(current_chunk) == 1 or rng.random() < 0.5:
                    is_random_next = True
                    target_b_length = target_seq_length - len(tokens_a)
                    random_document = _pick_random_document(documents, document_index, rng)
                    random_start = rng.randint(0, len(random_document) - 1)
                    tokens_b = Tokens([], [])
                    for j in range(random_start, len(random_document)):
                        tokens_b.extend(random_document[j])
                        if len(tokens_b) >= target_b_length:
                            break
                    # The unused sentences of this chunk go back to be used later.
                    i -= len(current_chunk) - a_end
                else:
                    is_random_next = False
                    tokens_b = _join(current_chunk[a_end:])
                tokens_a, tokens_b = truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng)
                if tokens_a and tokens_b:
                    instances.append(_pack(tokens_a, tokens_b, int(is_random_next), cls_id, sep_id))
            current_chunk = []
            current_length = 0
        i += 1
    return instances


def _sentence_chunks(document: Sequence[Segment], target_seq_length: int) -> List[List[Segment]]:
    """Consecutive sentences, each run closed once it reaches the target (or at the document end)."""
    chunks, chunk, length = [], [], 0
    for segment in document:
        chunk.append(segment)
        length += len(segment[0])
        if length >= target_seq_length:
            chunks.append(chunk)
            chunk, length = [], 0
    if chunk:
        chunks.append(chunk)
    return chunks


def _split_chunk(chunk: List[Segment], rng) -> Tuple[Tokens, Tokens]:
    """A and B of a chunk: split at a random sentence boundary, or inside a lone sentence at a random
    word boundary (at a random token boundary when the sentence is a single word)."""
    if len(chunk) >= 2:
        a_end = rng.randint(1, len(chunk) - 1)
        return _join(chunk[:a_end]), _join(chunk[a_end:])
    tokens = _join(chunk)
    if len(tokens) < 2:
        return tokens, Tokens([], [])
    groups = tokens.groups
    cuts = [k for k in range(1, len(groups)) if groups[k] != groups[k - 1]] or list(range(1, len(groups)))
    cut = cuts[rng.randint(0, len(cuts) - 1)]
    return tokens.trimmed(0, len(tokens) - cut), tokens.trimmed(cut, 0)


def create_order_instances(document: Sequence[Segment], max_seq_length: int, short_seq_prob: float,
                           rng, cls_id: int, sep_id: int) -> List[UnmaskedInstance]:
    """ALBERT's sentence-order prediction: A and B are always adjacent text of this document, swapped
    with probability 1/2 (label 1 = swapped).

    Chunks are made as for NSP. Unlike ALBERT, a one-sentence chunk is split inside the sentence
    rather than paired with another document, and truncation removes A's front and B's back so that
    the pair stays adjacent text.
    """
    max_num_tokens = max_seq_length - 3
    target_seq_length = target_length(max_num_tokens, short_seq_prob, rng)
    instances = []
    for chunk in _sentence_chunks(document, target_seq_length):
        tokens_a, tokens_b = _split_chunk(chunk, rng)
        if not tokens_b:
            continue
        tokens_a, tokens_b = truncate_outer_ends(tokens_a, tokens_b, max_num_tokens)
        swapped = rng.random() < 0.5
        if swapped:
            tokens_a, tokens_b = tokens_b, tokens_a
        instances.append(_pack(tokens_a, tokens_b, int(swapped), cls_id, sep_id))
    return instances
