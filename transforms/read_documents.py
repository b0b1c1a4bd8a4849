"""Read documents from the input files (see wwm.document_files for the formats)."""
import apache_beam as beam
from apache_beam.metrics import Metrics

from schemas.records import Dropped
from wwm.document_files import read_documents


class _ParseFile(beam.DoFn):
    """(path, name) -> Documents; Dropped records go to the ``dropped`` output."""

    def __init__(self):
        self.bad_utf8_lines = Metrics.counter('read_documents', 'lines_with_invalid_utf8')

    def process(self, path_and_name):
        path, name = path_and_name
        for record in read_documents(path, name, self.bad_utf8_lines.inc):
            if isinstance(record, Dropped):
                yield beam.pvalue.TaggedOutput('dropped', record)
            else:
                yield record


class ReadDocuments(beam.PTransform):
    """Read the given files; outputs ``documents`` and ``dropped``.

    ``files`` is a list of (path, name) pairs, name being the path below the inputs' common folder.
    """

    def __init__(self, files):
        super().__init__()
        self._files = sorted(files)

    def expand(self, pbegin):
        return (pbegin
                | 'ListFiles' >> beam.Create(self._files)
                | 'Reshuffle' >> beam.Reshuffle()
                | 'ParseFiles' >> beam.ParDo(_ParseFile()).with_outputs('dropped', main='documents'))
