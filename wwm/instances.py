"""Sentence-pair instances, following Google's ``create_pretraining_data.py`` (NSP).

A document is a list of segments (sentences); a segment is a pair of equal-length lists
(token ids, masking-group numbers). The algorithm is the reference's: a target length per document
(shorter with probability short_seq_prob), chunks of whole sentences split at a random point into
A and B, B replaced by text from another document half of the time, then random truncation of the
longer side. Only the source of random documents differs: a bounded bucket, not the whole corpus.
"""
from typing import List, NamedTuple, Sequence, Tuple

Segment = Tuple[List[int], List[int]]
NO_GROUP = -1


class PairInstance(NamedTuple):
    """[CLS] A [SEP] B [SEP] before masking; group_ids is NO_GROUP at [CLS] and [SEP]."""
    token_ids: List[int]
    segment_ids: List[int]
    group_ids: List[int]
    is_random_next: bool


def truncate_seq_pair(tokens_a: list, tokens_b: list, max_num_tokens: int, rng) -> None:
    """Drop tokens from the longer side, at random from its front or back, until the pair fits."""
    while len(tokens_a) + len(tokens_b) > max_num_tokens:
        trunc = tokens_a if len(tokens_a) > len(tokens_b) else tokens_b
        if rng.random() < 0.5:
            del trunc[0]
        else:
            trunc.pop()


def _join(segments: Sequence[Segment]) -> List[Tuple[int, int]]:
    return [pair for ids, groups in segments for pair in zip(ids, groups)]


def _pick_random_document(documents: Sequence, document_index: int, rng):
    """The reference's choice: up to 10 draws for an index other than this document's."""
    for _ in range(10):
        random_index = rng.randint(0, len(documents) - 1)
        if random_index != document_index:
            break
    return documents[random_index]


def _pack(tokens_a, tokens_b, is_random_next, cls_id, sep_id) -> PairInstance:
    ids = [cls_id] + [t for t, _ in tokens_a] + [sep_id] + [t for t, _ in tokens_b] + [sep_id]
    segments = [0] * (len(tokens_a) + 2) + [1] * (len(tokens_b) + 1)
    groups = ([NO_GROUP] + [g for _, g in tokens_a] + [NO_GROUP] + [g for _, g in tokens_b] + [NO_GROUP])
    return PairInstance(ids, segments, groups, is_random_next)


def create_pair_instances(documents: Sequence[Sequence[Segment]], document_index: int,
                          max_seq_length: int, short_seq_prob: float, rng,
                          cls_id: int, sep_id: int) -> List[PairInstance]:
    """All NSP instances of ``documents[document_index]``; other documents supply random B's."""
    document = documents[document_index]
    max_num_tokens = max_seq_length - 3
    target_seq_length = max_num_tokens
    if rng.random() < short_seq_prob:
        target_seq_length = rng.randint(2, max_num_tokens)

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
                    tokens_b = []
                    for j in range(random_start, len(random_document)):
                        tokens_b.extend(_join([random_document[j]]))
                        if len(tokens_b) >= target_b_length:
                            break
                    # The unused sentences of this chunk go back to be used later.
                    i -= len(current_chunk) - a_end
                else:
                    is_random_next = False
                    tokens_b = _join(current_chunk[a_end:])
                truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng)
                if tokens_a and tokens_b:
                    instances.append(_pack(tokens_a, tokens_b, is_random_next, cls_id, sep_id))
            current_chunk = []
            current_length = 0
        i += 1
    return instances
