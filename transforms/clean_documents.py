"""Cleaning: converter markup, HTML, URLs/e-mails, invisible characters, whitespace (see
wwm.text_cleaning). Documents left empty are dropped with reason ``empty``.
"""
import apache_beam as beam

from schemas.records import Document, Dropped
from wwm.text_cleaning import CleaningOptions, clean_with_counts

SAMPLE_CHARS = 200


class _CleanDocument(beam.DoFn):
    def __init__(self, options: CleaningOptions):
        self._options = options

    def process(self, document: Document):
        text, counts = clean_with_counts(document.text, self._options)
        for step, count in sorted(counts.items()):
            yield beam.pvalue.TaggedOutput('stats', ('cleaning.' + step, count))
        if text:
            yield document._replace(text=text)
        else:
            yield beam.pvalue.TaggedOutput('dropped', Dropped('empty', document.doc_id, document.source,
                                                              document.text[:SAMPLE_CHARS]))


class CleanDocuments(beam.PTransform):
    """Outputs ``documents`` (cleaned), ``dropped`` and ``stats`` ((name, count) of each step)."""

    def __init__(self, options: CleaningOptions = CleaningOptions()):
        super().__init__()
        self._options = options

    def expand(self, documents):
        return documents | beam.ParDo(_CleanDocument(self._options)).with_outputs(
            'dropped', 'stats', main='documents')
