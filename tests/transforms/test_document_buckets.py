"""Documents are bucketed for NSP by a count given from an earlier stage, not by their own count."""
import apache_beam as beam
import pytest
from apache_beam.coders import coders
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import BeamAssertException, assert_that, equal_to

from schemas.records import TokenizedDocument
from transforms.create_instances import GroupDocuments, _bucket_of, _in_seeded_order


def _documents(pipeline, count: int):
    return pipeline | 'Documents' >> beam.Create(
        [TokenizedDocument('a.txt:%d' % i, 'a.txt', [([101], [0])], 0) for i in range(count)])


def _check_buckets(documents: int, announced: float, bucket_size: int, expect) -> None:
    """Runs GroupDocuments and calls ``expect`` with the sorted bucket sizes, inside the pipeline."""
    def check(found):
        if not expect(found[0]):
            raise BeamAssertException('bucket sizes %s' % found[0])
    with test_pipeline.TestPipeline() as pipeline:
        count = pipeline | 'Count' >> beam.Create([announced])
        groups = _documents(pipeline, documents) | GroupDocuments(True, 12345, bucket_size, count)
        sizes = groups | beam.Map(len) | beam.combiners.ToList() | beam.Map(sorted)
        assert_that(sizes, check)


def test_the_announced_count_sets_the_number_of_buckets_and_every_document_lands_in_one():
    _check_buckets(40, 40.0, 10, lambda sizes: len(sizes) == 4 and sum(sizes) == 40)
    # The count is announced before deduplication and weighting, so it can differ from the
    # documents that arrive: 200 announced makes 20 buckets for the same 40 documents, 5 makes one.
    _check_buckets(40, 200.0, 10, lambda sizes: len(sizes) > 4 and sum(sizes) == 40)
    _check_buckets(40, 5.0, 10, lambda sizes: sizes == [40])


def test_without_buckets_each_document_stays_alone():
    with test_pipeline.TestPipeline() as pipeline:
        groups = _documents(pipeline, 3) | GroupDocuments(False, 12345, 10)
        assert_that(groups | beam.Map(len), equal_to([1, 1, 1]))


class _NoPickling(coders.Coder):
    def encode(self, value):
        raise AssertionError('Beam would pickle %r' % type(value))


def test_bucketed_documents_cross_the_shuffle_without_beam_pickling_them():
    """The runner that groups buckets decodes and re-encodes every value: a value Beam's coder
    encodes natively is copied, one it must pickle is unpickled and pickled again."""
    documents = [TokenizedDocument('a.txt:%d' % i, 'a.txt', [([101, 102 + i], [0, 1])], i) for i in range(5)]
    keyed = [_bucket_of(document, 12345, 5.0, 10) for document in documents]
    coder = coders.FastPrimitivesCoder(fallback_coder=_NoPickling())
    for key_value in keyed:
        assert coder.decode(coder.encode(key_value)) == key_value
    with pytest.raises(AssertionError, match='pickle'):
        coder.encode(documents[0])
    ordered = _in_seeded_order((0, [value for _, value in reversed(keyed)]), 12345)
    assert sorted(ordered) == sorted(documents)
    assert ordered == _in_seeded_order((0, [value for _, value in keyed]), 12345)
