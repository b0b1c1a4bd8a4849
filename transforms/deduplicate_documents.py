"""Exact and near-duplicate removal across all sources (see wwm.dedup for the definitions).

Only small records are grouped by fingerprint and by LSH band. Each group yields marks "document X
duplicates document Y", Y of smaller keep rank; a last CoGroupByKey by doc id joins each document
with its marks (at most one per band plus one exact), so the documents' text is shuffled once and no
group holds more than one document's text.

A signature (``num_perm`` values, 512 bytes by default) crosses the shuffle once per document, not
once per band: bands are first grouped with doc ids alone, and only the members of buckets shared
by two or more documents (few in any corpus) get their signature back, by doc id, for a second
grouping by band that compares them. With the signature in every band message the band shuffle
carried 2.5 times the bytes of the text itself (9 bands at the default threshold), the largest
shuffle of a dupe-1 job; the marks are the same either way.

LSH buckets: one of up to ``MAX_PAIRWISE_BUCKET`` members is compared pairwise (each member with
every member of smaller rank). A larger one (text shared by many documents: a template, a
boilerplate page) is never held: one pass finds its smallest-rank member, a second compares every
member with that one. Either way the marks depend only on the data, not on the order values arrive
in or the worker count. Grouped values are iterated more than once, which Beam allows.
"""
import itertools
from typing import NamedTuple, Optional

import apache_beam as beam
import numpy as np
from apache_beam.metrics import Metrics

from schemas.records import Document
from transforms.keep_or_drop import Drop, KeepOrDrop, dropped_record
from wwm import dedup

DUPLICATE = 'duplicate'
NEAR_DUPLICATE = 'near_duplicate'
MAX_PAIRWISE_BUCKET = 256


class _Mark(NamedTuple):
    """``doc_id`` (the key it travels with) duplicates ``original``, with this similarity."""
    reason: str
    original: str
    similarity: float


class _Fingerprint(beam.DoFn):
    """Document -> (doc_id, document); to the side outputs, its exact fingerprint, its signature
    (doc_id, signature bytes) and its band keys (band key, doc_id)."""

    def __init__(self, exact: bool, near: Optional[dedup.NearDuplicateParams]):
        self._exact = exact
        self._near = near
        self._layout = dedup.band_layout(near) if near else None
        self._permutations = dedup.permutations(near.num_perm) if near else None

    def process(self, document: Document):
        yield document.doc_id, document
        normalized = dedup.normalize(document.text)
        if self._exact:
            yield beam.pvalue.TaggedOutput('exact', (dedup.exact_fingerprint(normalized), document.doc_id))
        if self._near:
            sig = dedup.signature(normalized, self._near, self._permutations)
            yield beam.pvalue.TaggedOutput('signatures', (document.doc_id, sig.tobytes()))
            for key in dedup.band_keys(sig, *self._layout):
                yield beam.pvalue.TaggedOutput('bands', (key, document.doc_id))


def _shared_bands(key_and_doc_ids):
    """(band key, doc ids) -> (doc_id, band key) for each member of a bucket of two or more."""
    key, doc_ids = key_and_doc_ids
    members = iter(doc_ids)
    head = list(itertools.islice(members, 2))
    if len(head) < 2:
        return
    for doc_id in itertools.chain(head, members):
        yield doc_id, key


def _with_signature(doc_id_and_groups):
    """A document's signature and its shared bands -> (band key, (doc_id, signature)) per band."""
    doc_id, groups = doc_id_and_groups
    shared = list(groups['bands'])
    if shared:
        signature = next(iter(groups['signature']))
        for key in shared:
            yield key, (doc_id, signature)


def _exact_marks(fingerprint_and_ids):
    _, doc_ids = fingerprint_and_ids
    original = min(doc_ids, key=dedup.keep_rank)
    for doc_id in doc_ids:
        if doc_id != original:
            yield doc_id, _Mark(DUPLICATE, original, 1.0)


class _BucketMarks(beam.DoFn):
    """(band key, members) -> (doc_id, _Mark) for members similar to a member of smaller rank."""

    def __init__(self, threshold: float):
        self._threshold = threshold
        self.large_buckets = Metrics.counter('deduplicate_documents', 'lsh_buckets_over_pairwise_limit')

    def _mark(self, member, original):
        score = dedup.similarity(np.frombuffer(member[1], np.uint32), np.frombuffer(original[1], np.uint32))
        if score >= self._threshold:
            return member[0], _Mark(NEAR_DUPLICATE, original[0], round(score, 4))
        return None

    def _first_mark(self, member, candidates):
        for candidate in candidates:
            mark = self._mark(member, candidate)
            if mark:
                return mark
        return None

    def process(self, key_and_members):
        _, members = key_and_members
        head = list(itertools.islice(members, MAX_PAIRWISE_BUCKET + 1))
        if len(head) <= MAX_PAIRWISE_BUCKET:
            ordered = sorted(head, key=_rank)
            marks = (self._first_mark(member, ordered[:index]) for index, member in enumerate(ordered))
        else:
            self.large_buckets.inc()
            representative = min(members, key=_rank)
            marks = (self._first_mark(member, [representative]) for member in members
                     if member[0] != representative[0])
        yield from filter(None, marks)


def _rank(member):
    return dedup.keep_rank(member[0])


def _mark_order(mark: _Mark):
    return mark.reason != DUPLICATE, dedup.keep_rank(mark.original)


def join_marks(doc_id_and_groups):
    """A document with its marks -> the document, or the Dropped record of its first mark."""
    _, groups = doc_id_and_groups
    document = next(iter(groups['document']))
    marks = list(groups['marks'])
    if not marks:
        return document
    mark = min(marks, key=_mark_order)
    detail = 'duplicate of %s' % mark.original
    if mark.reason == NEAR_DUPLICATE:
        detail = 'near duplicate of %s (estimated similarity %.2f)' % (mark.original, mark.similarity)
    return dropped_record(document, Drop(mark.reason, document.text, detail))


class DeduplicateDocuments(beam.PTransform):
    """Outputs ``documents`` (one copy of each group of duplicates), ``dropped`` and ``stats`` (none).

    ``exact``: drop exact duplicates; ``near``: NearDuplicateParams, or None for no near-dup step
    (at least one of the two).
    """

    def __init__(self, exact: bool, near: Optional[dedup.NearDuplicateParams]):
        super().__init__()
        if not (exact or near):
            raise ValueError('DeduplicateDocuments needs exact or near deduplication')
        self._exact = exact
        self._near = near

    def expand(self, documents):
        keyed = documents | 'Fingerprint' >> beam.ParDo(_Fingerprint(self._exact, self._near)).with_outputs(
            'exact', 'signatures', 'bands', main='documents')
        marks = []
        if self._exact:
            marks.append(keyed.exact
                         | 'GroupByFingerprint' >> beam.GroupByKey()
                         | 'ExactMarks' >> beam.FlatMap(_exact_marks))
        if self._near:
            shared = (keyed.bands
                      | 'GroupByBand' >> beam.GroupByKey()
                      | 'SharedBands' >> beam.FlatMap(_shared_bands))
            marks.append({'signature': keyed.signatures, 'bands': shared}
                         | 'JoinSignatures' >> beam.CoGroupByKey()
                         | 'WithSignature' >> beam.FlatMap(_with_signature)
                         | 'GroupSharedBand' >> beam.GroupByKey()
                         | 'NearMarks' >> beam.ParDo(_BucketMarks(self._near.threshold)))
        all_marks = marks | 'AllMarks' >> beam.Flatten()
        return ({'document': keyed.documents, 'marks': all_marks}
                | 'JoinMarks' >> beam.CoGroupByKey()
                | 'KeepOrDrop' >> KeepOrDrop('deduplicate_documents', join_marks))
