"""Word segmentation of every sentence, with the backend loaded once per worker."""
import apache_beam as beam

from schemas.records import SegmentedDocument, SentencedDocument
from wwm.segmenters import make_segmenter


class _Segment(beam.DoFn):
    def __init__(self, segmenter: str):
        self._name = segmenter
        self._segmenter = None

    def setup(self):
        self._segmenter = make_segmenter(self._name)

    def process(self, document: SentencedDocument):
        words = self._segmenter.segment(document.sentences)
        yield SegmentedDocument(document.doc_id, document.source, document.sentences, words)


class SegmentWords(beam.PTransform):
    def __init__(self, segmenter: str):
        super().__init__()
        self._segmenter = segmenter

    def expand(self, documents):
        return documents | beam.ParDo(_Segment(self._segmenter))
