"""Sentence-pair instances: Google's NSP (``create_pretraining_data.py``) and ALBERT's SOP.

A document is a list of segments (sentences); a segment is a pair of equal-length lists
(token ids, masking-group numbers). NSP is the reference algorithm: a target length per document
(shorter with probability short_seq_prob), chunks of whole sentences split at a random point into
A and B, B replaced by text from another document half of the time, then random truncation of the
longer side. Only the source of random documents differs: a bounded bucket, not the whole corpus.
SOP chunks the same way but never leaves the document (see ``create_order_instances``).
"""
from typing import List, NamedTuple, Sequence, Tuple

Segment = Tuple[List[int], List[int]]
NO_GROUP = -1


class UnmaskedInstance(NamedTuple):
    """[CLS] A [SEP] B [SEP] (pairs) or [CLS] text [SEP] (packed) before masking.

    group_ids is NO_GROUP at [CLS] and [SEP]; next_sentence_label is 1 for a random B (NSP) or a
    swapped pair (SOP), 0 otherwise and always 0 for packed text.
    """
    token_ids: List[int]
    segment_ids: List[int]
    group_ids: List[int]
    next_sentence_label: int


def target_length(max_num_tokens: int, short_seq_prob: float, rng) -> int:
    """The reference's target: the maximum, or with probability short_seq_prob a random shorter one."""
    if rng.random() < short_seq_prob:
        return rng.randint(2, max_num_tokens)
    return max_num_tokens


def truncate_seq_pair(tokens_a: list, tokens_b: list, max_num_tokens: int, rng) -> None:
    """Drop tokens from the longer side, at random from its front or back, until the pair fits."""
    while len(tokens_a) + len(tokens_b) > max_num_tokens:
        trunc = tokens_a if len(tokens_a) > len(tokens_b) else tokens_b
        if rng.random() < 0.5:
            del trunc[0]
        else:
            trunc.pop()


def truncate_outer_ends(tokens_a: list, tokens_b: list, max_num_tokens: int) -> None:
    """Drop tokens from the longer side at its outer end (A's front, B's back) until the pair fits,
    so that A and B stay adjacent text."""
    while len(tokens_a) + len(tokens_b) > max_num_tokens:
        if len(tokens_a) > len(tokens_b):
            del tokens_a[0]
        else:
            tokens_b.pop()


def _join(segments: Sequence[Segment]) -> List[Tuple[int, int]]:
    return [pair for ids, groups in segments for pair in zip(ids, groups)]


def _pick_random_document(documents: Sequence, document_index: int, rng):
    """The reference's choice: up to 10 draws for an index other than this document's."""
    for _ in range(10):
        random_index = rng.randint(0, len(documents) - 1)
        if random_index != document_index:
            break
    return documents[random_index]


def _pack(tokens_a, tokens_b, label: int, cls_id, sep_id) -> UnmaskedInstance:
    ids = [cls_id] + [t for t, _ in tokens_a] + [sep_id] + [t for t, _ in tokens_b] + [sep_id]
    segments = [0] * (len(tokens_a) + 2) + [1] * (len(tokens_b) + 1)
    groups = ([NO_GROUP] + [g for _, g in tokens_a] + [NO_GROUP] + [g for _, g in tokens_b] + [NO_GROUP])
    return UnmaskedInstance(ids, segments, groups, label)


def create_pair_instances(documents: Sequence[Sequence[Segment]], document_index: int,
                          max_seq_length: int, short_seq_prob: float, rng,
                          cls_id: int, sep_id: int) -> List[UnmaskedInstance]:
    """All NSP instances of ``documents[document_index]``; other documents supply random B's."""
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


def _split_chunk(chunk: List[Segment], rng) -> Tuple[list, list]:
    """A and B of a chunk: split at a random sentence boundary, or inside a lone sentence at a random
    word boundary (at a random token boundary when the sentence is a single word)."""
    if len(chunk) >= 2:
        a_end = rng.randint(1, len(chunk) - 1)
        return _join(chunk[:a_end]), _join(chunk[a_end:])
    tokens = _join(chunk)
    if len(tokens) < 2:
        return tokens, []
    cuts = [k for k in range(1, len(tokens)) if tokens[k][1] != tokens[k - 1][1]] or list(range(1, len(tokens)))
    cut = cuts[rng.randint(0, len(cuts) - 1)]
    return tokens[:cut], tokens[cut:]


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
        truncate_outer_ends(tokens_a, tokens_b, max_num_tokens)
        swapped = rng.random() < 0.5
        if swapped:
            tokens_a, tokens_b = tokens_b, tokens_a
        instances.append(_pack(tokens_a, tokens_b, int(swapped), cls_id, sep_id))
    return instances
