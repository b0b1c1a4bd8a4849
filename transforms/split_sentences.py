"""Split documents into sentences (Chinese and mixed text; see wwm.text.sentences)."""
import apache_beam as beam

from schemas.records import Document, SentencedDocument
from wwm.text.sentences import split_sentences


class SplitSentences(beam.PTransform):
    def expand(self, documents):
        return documents | beam.Map(
            lambda doc: SentencedDocument(doc.doc_id, doc.source, split_sentences(doc.text)))
