"""Records passed between the stages of the pipeline, in data-flow order."""
from typing import List, NamedTuple, Tuple


class Document(NamedTuple):
    """One input document. ``doc_id`` is "<source>:<n>", unique and stable across runs."""
    doc_id: str
    source: str
    text: str


class Dropped(NamedTuple):
    """A document that leaves the pipeline, with the reason and the start of its text.

    ``detail``: what the check measured, or which document this one duplicates (pass it by name).
    """
    reason: str
    doc_id: str
    source: str
    sample: str
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


class ShardInfo(NamedTuple):
    file_name: str
    records: int
    num_bytes: int
    sha256: str
