"""Basic cleaning: invisible and control characters, whitespace runs, line separators.

Documents left empty are dropped with reason ``empty``.
"""
import apache_beam as beam

from schemas.records import Document, Dropped
from wwm.text_cleaning import clean_text


class _CleanDocument(beam.DoFn):
    def process(self, document: Document):
        text = clean_text(document.text)
        if text:
            yield document._replace(text=text)
        else:
            yield beam.pvalue.TaggedOutput('dropped', Dropped('empty', document.doc_id, document.source,
                                                              document.text[:200]))


class CleanDocuments(beam.PTransform):
    """Outputs ``documents`` (cleaned) and ``dropped``."""

    def expand(self, documents):
        return documents | beam.ParDo(_CleanDocument()).with_outputs('dropped', main='documents')
