"""NSP instances, ``dupe_factor`` copies per document, random B's from bounded buckets.

The reference draws random B segments from the whole corpus held in memory. Here documents are
spread over buckets of about ``bucket_size`` documents by a seeded hash of their id, and each
bucket's documents are the candidates for each other's random B's: memory per worker is one bucket,
whatever the corpus size. Within a bucket documents are put in a seeded hash order, so the result does
not depend on the order a runner delivers them in.
"""
import apache_beam as beam

from schemas.records import InstanceKey, TokenizedDocument
from wwm.hashing import seeded_rng, stable_hash64
from wwm.instances import create_pair_instances


def _bucket_of(document: TokenizedDocument, seed: int, num_documents: int, bucket_size: int):
    num_buckets = max(1, num_documents // bucket_size)
    return stable_hash64(seed, 'bucket', document.doc_id) % num_buckets, document


class _InstancesFromBucket(beam.DoFn):
    def __init__(self, max_seq_length, short_seq_prob, dupe_factor, seed, cls_id, sep_id):
        self._max_seq_length = max_seq_length
        self._short_seq_prob = short_seq_prob
        self._dupe_factor = dupe_factor
        self._seed = seed
        self._cls_id = cls_id
        self._sep_id = sep_id

    def process(self, bucket):
        _, documents = bucket
        documents = sorted(documents, key=lambda doc: (stable_hash64(self._seed, 'order', doc.doc_id),
                                                       doc.doc_id))
        segments = [doc.segments for doc in documents]
        for copy in range(self._dupe_factor):
            for index, document in enumerate(documents):
                rng = seeded_rng(self._seed, 'instances', document.doc_id, copy)
                instances = create_pair_instances(segments, index, self._max_seq_length,
                                                  self._short_seq_prob, rng, self._cls_id, self._sep_id)
                for rank, instance in enumerate(instances):
                    yield InstanceKey(document.doc_id, copy, rank), instance


class CreateInstances(beam.PTransform):
    """TokenizedDocument -> (InstanceKey, PairInstance)."""

    def __init__(self, max_seq_length, short_seq_prob, dupe_factor, seed, bucket_size, cls_id, sep_id):
        super().__init__()
        self._seed = seed
        self._bucket_size = bucket_size
        self._make_instances = _InstancesFromBucket(max_seq_length, short_seq_prob, dupe_factor, seed,
                                                    cls_id, sep_id)

    def expand(self, documents):
        num_documents = documents | 'CountDocuments' >> beam.combiners.Count.Globally()
        return (documents
                | 'AssignBucket' >> beam.Map(_bucket_of, self._seed,
                                             beam.pvalue.AsSingleton(num_documents), self._bucket_size)
                | 'GroupBuckets' >> beam.GroupByKey()
                | 'MakeInstances' >> beam.ParDo(self._make_instances))
