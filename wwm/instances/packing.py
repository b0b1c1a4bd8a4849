"""RoBERTa's FULL-SENTENCES packing: [CLS] s1 s2 ... [SEP], one segment, no sentence-pair task.

Whole sentences are appended while they fit the pack's target (max_seq_length - 2 tokens, or with
probability short_seq_prob a random shorter target, drawn per pack as for pairs). A sentence that
does not fit closes the pack and starts the next one. A sentence longer than a whole pack is split,
never truncated: each piece ends at the last word boundary that fits (inside a word only when that
word alone is longer than the pack), and the last piece is packed like a sentence.

Packs stay inside one document, unless documents are packed across (``pack_across_documents``):
then documents follow each other with a [SEP] between them, which counts towards the target.
"""
from typing import List, Sequence, Tuple

from schemas.records import UnmaskedInstance
from wwm.instances.pairs import NO_GROUP, Segment, target_length


def _word_cut(tokens: Sequence[Tuple[int, int]], room: int) -> int:
    """The longest prefix of at most ``room`` tokens that ends at a word boundary (else ``room``)."""
    for cut in range(room, 0, -1):
        if tokens[cut][1] != tokens[cut - 1][1]:
            return cut
    return room


class _Packer:
    """Accumulates (token id, group) pairs into packs; ``packs`` holds (document index, instance)."""

    def __init__(self, max_seq_length: int, short_seq_prob: float, rng, cls_id: int, sep_id: int):
        self._max_num_tokens = max_seq_length - 2
        self._short_seq_prob = short_seq_prob
        self._rng = rng
        self._cls_id = cls_id
        self._sep_id = sep_id
        self._tokens = []
        self._start_document = None
        self._target = target_length(self._max_num_tokens, short_seq_prob, rng)
        self.packs = []

    def flush(self) -> None:
        if self._tokens:
            ids = [self._cls_id] + [t for t, _ in self._tokens] + [self._sep_id]
            groups = [NO_GROUP] + [g for _, g in self._tokens] + [NO_GROUP]
            self.packs.append((self._start_document, UnmaskedInstance(ids, [0] * len(ids), groups, 0)))
            self._tokens = []
            self._target = target_length(self._max_num_tokens, self._short_seq_prob, self._rng)

    def add_sentence(self, tokens: List[Tuple[int, int]], document: int, after_separator: bool) -> None:
        """Append one sentence of ``document``; ``after_separator``: it starts a new document, so a
        [SEP] must precede it when the pack already holds text."""
        while tokens:
            separator = [(self._sep_id, NO_GROUP)] if after_separator and self._tokens else []
            room = self._target - len(self._tokens) - len(separator)
            if len(tokens) <= room:
                if not self._tokens:
                    self._start_document = document
                self._tokens.extend(separator + tokens)
                return
            if self._tokens:
                self.flush()
                continue
            cut = _word_cut(tokens, room)
            self._start_document = document
            self._tokens.extend(tokens[:cut])
            tokens = tokens[cut:]
            self.flush()


def _sentence_tokens(segment: Segment) -> List[Tuple[int, int]]:
    ids, groups = segment
    return list(zip(ids, groups))


def pack_document(document: Sequence[Segment], max_seq_length: int, short_seq_prob: float, rng,
                  cls_id: int, sep_id: int) -> List[UnmaskedInstance]:
    """The packs of one document, in text order."""
    packer = _Packer(max_seq_length, short_seq_prob, rng, cls_id, sep_id)
    for segment in document:
        packer.add_sentence(_sentence_tokens(segment), 0, False)
    packer.flush()
    return [instance for _, instance in packer.packs]


def pack_across_documents(documents: Sequence[Sequence[Segment]], max_seq_length: int,
                          short_seq_prob: float, rng, cls_id: int,
                          sep_id: int) -> List[Tuple[int, UnmaskedInstance]]:
    """Packs of the documents taken in the given order; each with the index of the document its
    first token comes from."""
    packer = _Packer(max_seq_length, short_seq_prob, rng, cls_id, sep_id)
    for index, document in enumerate(documents):
        for rank, segment in enumerate(document):
            packer.add_sentence(_sentence_tokens(segment), index, rank == 0)
    packer.flush()
    return packer.packs
