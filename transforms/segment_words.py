"""Word segmentation of every sentence, with the backend loaded once per worker."""
import apache_beam as beam

from schemas.records import SegmentedDocument, SentencedDocument
from wwm.segmenters import make_segmenter


class _Segment(beam.DoFn):
    def __init__(self, segmenter: str, settings: dict):
        self._name = segmenter
        self._settings = settings
        self._segmenter = None

    def setup(self):
        self._segmenter = make_segmenter(self._name, **self._settings)

    def process(self, document: SentencedDocument):
        # One document's sentences form the batches, so batching (and any padding) never depends
        # on how the runner bundles documents: same input, same words.
        words = self._segmenter.segment(document.sentences)
        yield SegmentedDocument(document.doc_id, document.source, document.sentences, words)

    def teardown(self):
        if self._segmenter is not None:
            self._segmenter.close()


class SegmentWords(beam.PTransform):
    """``settings``: keyword arguments of ``wwm.segmenters.make_segmenter`` (model, user_dict,
    hmm, batch_size, threads)."""

    def __init__(self, segmenter: str, settings: dict = None):
        super().__init__()
        self._segmenter = segmenter
        self._settings = dict(settings or {})

    def expand(self, documents):
        return documents | beam.ParDo(_Segment(self._segmenter, self._settings))
