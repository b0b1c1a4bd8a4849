"""Records passed between the stages of the pipeline, in data-flow order."""
from typing import List, NamedTuple, Tuple


class Document(NamedTuple):
    """One input document. ``doc_id`` is "<source>:<n>", unique and stable across runs."""
    doc_id: str
    source: str
    text: str


class Dropped(NamedTuple):
    """A document that leaves the pipeline, with the reason and the start of its text.

    ``offset``: byte offset in the (decompressed) input file where the dropped record starts, when
    the reader knows it; -1 otherwise.
    ``detail``: what the check measured, or which document this one duplicates (pass it by name).
    """
    reason: str
    doc_id: str
    source: str
    sample: str
    offset: int = -1
    detail: str = ''


class SentencedDocument(NamedTuple):
    doc_id: str
    source: str
    sentences: List[str]


class SegmentedDocument(NamedTuple):
    """Sentences with the segmenter's words of each (words concatenate to about the sentence)."""
    doc_id: str
    source: str
    sentences: List[str]
    words: List[List[str]]


class TokenizedDocument(NamedTuple):
    """Per sentence: (token ids, masking-group numbers), group numbers unique within the document."""
    doc_id: str
    source: str
    segments: List[Tuple[List[int], List[int]]]
    unaligned_tokens: int


class InstanceKey(NamedTuple):
    """Where an instance comes from: document, copy (0..dupe_factor-1) and rank in that copy."""
    doc_id: str
    copy: int
    index: int


class UnmaskedInstance(NamedTuple):
    """[CLS] A [SEP] B [SEP] (pairs) or [CLS] text [SEP] (packed) before masking.

    group_ids is -1 (``wwm.instances.pairs.NO_GROUP``) at [CLS] and [SEP]; next_sentence_label is 1 for a
    random B (NSP) or a swapped pair (SOP), 0 otherwise and always 0 for packed text.
    """
    token_ids: List[int]
    segment_ids: List[int]
    group_ids: List[int]
    next_sentence_label: int


class TrainingInstance(NamedTuple):
    """One instance as every output writer receives it, unpadded.

    Static masking fills masked_lm_positions/masked_lm_ids (input_ids then holds the masked ids);
    dynamic masking leaves them empty and fills word_ids/chinese_ref so the trainer masks each epoch.
    """
    input_ids: List[int]             # [CLS] A [SEP] B [SEP] (or [CLS] A [SEP] without pairs)
    segment_ids: List[int]           # 0 for [CLS] A [SEP], 1 for B [SEP]
    next_sentence_label: int         # NSP: 1 = B is random; SOP: 1 = A and B swapped; none: 0
    masked_lm_positions: List[int]   # sorted; static masking only
    masked_lm_ids: List[int]         # original ids at those positions
    word_ids: List[int]              # dynamic: whole-word group of each token, -1 at [CLS]/[SEP]
    chinese_ref: List[int]           # dynamic: positions of CJK tokens that continue a word (HF)


class ShardInfo(NamedTuple):
    file_name: str
    records: int
    num_bytes: int
    sha256: str
