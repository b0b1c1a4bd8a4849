"""Up-sample (or down-sample) documents by the weight of the source file they come from.

Placed after cleaning, filters and deduplication (so copies are not removed as duplicates) and
before sentence splitting. See wwm.upsampling for how weights become copies.
"""
import apache_beam as beam

from schemas.records import Document, Dropped
from wwm.upsampling import copies, copy_id


def source_weight(document: Document, weights: dict) -> float:
    """The weight of a document's source: how many copies of it up-sampling makes, on average."""
    return weights.get(document.source, 1.0)


class _Upsample(beam.DoFn):
    def __init__(self, weights: dict, seed: int):
        self._weights = weights
        self._seed = seed

    def process(self, document: Document):
        weight = source_weight(document, self._weights)
        if weight == 1.0:
            yield document
            return
        count = copies(weight, self._seed, document.doc_id)
        if count == 0:
            yield beam.pvalue.TaggedOutput('dropped', Dropped(
                'downsampled', document.doc_id, document.source, document.text[:200]))
            return
        for copy in range(count):
            yield document._replace(doc_id=copy_id(document.doc_id, copy))
        if count > 1:
            yield beam.pvalue.TaggedOutput('stats', ('upsampled_copies', count - 1))


class UpsampleSources(beam.PTransform):
    """Documents -> ``documents`` (with copies), ``dropped`` (down-sampled away) and ``stats``
    (``upsampled_copies``: copies added, so read + copies = kept + dropped).

    ``weights`` maps a source name (Document.source) to its weight; absent sources weigh 1.
    """

    def __init__(self, weights: dict, seed: int):
        super().__init__()
        self._weights = {name: float(weight) for name, weight in weights.items() if weight != 1}
        self._seed = seed

    def expand(self, documents):
        return documents | beam.ParDo(_Upsample(self._weights, self._seed)).with_outputs(
            'dropped', 'stats', main='documents')
