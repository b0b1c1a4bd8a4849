"""Training instances, ``dupe_factor`` copies per document: NSP or SOP pairs, or packed sentences.

NSP draws random B segments, and cross-document packing joins documents, so both need other
documents: documents are spread over buckets of about ``bucket_size`` documents by a seeded hash of
their id, and only a bucket's documents are used together. Memory per worker is one bucket,
whatever the corpus size. Within a bucket documents are put in a seeded hash order, so the result
does not depend on the order a runner delivers them in. SOP and per-document packing need no other
document and skip the grouping.
"""
from typing import NamedTuple

import apache_beam as beam

from schemas.records import InstanceKey, TokenizedDocument
from wwm.hashing import seeded_rng, stable_hash64
from wwm.instances.pairs import create_order_instances, create_pair_instances
from wwm.records.packed_documents import pack_tokenized, unpack_tokenized
from wwm.instances.packing import pack_across_documents, pack_document

SENTENCE_PAIRS = ('nsp', 'sop', 'none')


class InstanceConfig(NamedTuple):
    sentence_pair: str          # nsp, sop or none
    cross_document: bool        # none only: pack documents one after another
    max_seq_length: int
    short_seq_prob: float
    dupe_factor: int
    seed: int
    cls_id: int
    sep_id: int


def needs_buckets(sentence_pair: str, cross_document: bool) -> bool:
    return sentence_pair == 'nsp' or cross_document


def _bucket_of(document: TokenizedDocument, seed: int, num_documents: float, bucket_size: int):
    """(bucket, (doc_id, packed document)).

    The document travels packed by us (wwm/records/packed_documents.py): a (str, bytes) pair is copied as
    it is by Beam's coder, where a TokenizedDocument (a NamedTuple, which Beam pickles) would be
    unpickled and pickled again by the runner that groups it: on the local runner that cost a third
    of a second per million characters of the runner's CPU, taken from the workers' cores. Packed,
    it is 4 bytes a token against 5.8 pickled.
    """
    num_buckets = max(1, int(num_documents) // bucket_size)
    bucket = stable_hash64(seed, 'bucket', document.doc_id) % num_buckets
    return bucket, (document.doc_id, pack_tokenized(document))


def _in_seeded_order(bucket, seed: int) -> list:
    _, documents = bucket
    ordered = sorted(documents, key=lambda doc: (stable_hash64(seed, 'order', doc[0]), doc[0]))
    return [unpack_tokenized(doc_id, packed) for doc_id, packed in ordered]


class GroupDocuments(beam.PTransform):
    """TokenizedDocument -> lists of documents that instances are made from together: buckets in
    seeded order when the sentence-pair task needs other documents, else one document each.

    ``num_documents``: with buckets, a singleton PCollection, about how many documents arrive,
    which sets the number of buckets (None without buckets). It is taken from an earlier stage (the
    documents before deduplication) on purpose: a count of the tokenized documents themselves would
    make a runner hold them all before the first one is bucketed (Beam's local runner does), where
    bucketing can otherwise go on as they are tokenized.
    """

    def __init__(self, with_buckets: bool, seed: int, bucket_size: int, num_documents=None):
        super().__init__()
        self._with_buckets = with_buckets
        self._seed = seed
        self._bucket_size = bucket_size
        self._num_documents = num_documents

    def expand(self, documents):
        if not self._with_buckets:
            return documents | 'Alone' >> beam.Map(lambda document: [document])
        return (documents
                | 'AssignBucket' >> beam.Map(_bucket_of, self._seed,
                                             beam.pvalue.AsSingleton(self._num_documents),
                                             self._bucket_size)
                | 'GroupBuckets' >> beam.GroupByKey()
                | 'SeededOrder' >> beam.Map(_in_seeded_order, self._seed))


class _InstancesFromDocuments(beam.DoFn):
    def __init__(self, config: InstanceConfig):
        self._config = config

    def process(self, documents):
        segments = [doc.segments for doc in documents]   # once per group: NSP draws from all
        for copy in range(self._config.dupe_factor):
            if self._config.cross_document:
                yield from self._packed_across(documents, segments, copy)
                continue
            for index, document in enumerate(documents):
                rng = seeded_rng(self._config.seed, 'instances', document.doc_id, copy)
                for rank, instance in enumerate(self._instances(segments, index, rng)):
                    yield InstanceKey(document.doc_id, copy, rank), instance

    def _instances(self, segments, index, rng):
        c = self._config
        if c.sentence_pair == 'nsp':
            return create_pair_instances(segments, index, c.max_seq_length, c.short_seq_prob, rng,
                                         c.cls_id, c.sep_id)
        if c.sentence_pair == 'sop':
            return create_order_instances(segments[index], c.max_seq_length, c.short_seq_prob, rng,
                                          c.cls_id, c.sep_id)
        return pack_document(segments[index], c.max_seq_length, c.short_seq_prob, rng, c.cls_id,
                             c.sep_id)

    def _packed_across(self, documents, segments, copy):
        """Keys name the document a pack starts in, ranked among the packs starting there."""
        c = self._config
        rng = seeded_rng(c.seed, 'packing', documents[0].doc_id, copy)
        ranks = {}
        for index, instance in pack_across_documents(segments, c.max_seq_length, c.short_seq_prob,
                                                     rng, c.cls_id, c.sep_id):
            rank = ranks[index] = ranks.get(index, -1) + 1
            yield InstanceKey(documents[index].doc_id, copy, rank), instance


class CreateInstances(beam.PTransform):
    """Lists of TokenizedDocument (from GroupDocuments) -> (InstanceKey, UnmaskedInstance)."""

    def __init__(self, config: InstanceConfig):
        super().__init__()
        self._make_instances = _InstancesFromDocuments(config)

    def expand(self, document_groups):
        return document_groups | 'MakeInstances' >> beam.ParDo(self._make_instances)
