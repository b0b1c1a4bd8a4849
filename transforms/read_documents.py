"""Read documents from the input files, each in its format (see wwm.document_files, wwm/readers)."""
import logging

import apache_beam as beam
from apache_beam.metrics import Metrics

from schemas.records import Dropped
from schemas.sources import InputFile
from transforms.count_stats import per_source
from wwm.document_files import FileReport, read_documents


class _ParseFile(beam.DoFn):
    """InputFile -> Documents; Dropped records go to ``dropped``; (name, value) counts to ``stats``."""

    def __init__(self):
        self.undecodable_lines = Metrics.counter('read_documents', 'undecodable_lines')

    def process(self, input_file: InputFile):
        report = FileReport()
        for record in read_documents(input_file.path, input_file.name, input_file.spec, report):
            if isinstance(record, Dropped):
                yield beam.pvalue.TaggedOutput('dropped', record)
            else:
                yield record
        file_format = report.format or 'unreadable'
        yield beam.pvalue.TaggedOutput('stats', ('input_files.%s' % file_format, 1))
        if report.undecodable_lines:
            logging.warning('%s: %d line(s) with bytes that are not %s, replaced by U+FFFD; the first '
                            'at byte offset %d', input_file.name, report.undecodable_lines,
                            report.encoding, report.first_undecodable_offset)
            self.undecodable_lines.inc(report.undecodable_lines)
        for name in ('lines_read', 'undecodable_lines'):
            for pair in per_source(input_file.name, name, getattr(report, name)):
                yield beam.pvalue.TaggedOutput('stats', pair)
        for name in ('documents_split', 'document_pieces_added'):
            if getattr(report, name):
                yield beam.pvalue.TaggedOutput('stats', (name, getattr(report, name)))


class ReadDocuments(beam.PTransform):
    """Read the given InputFiles; outputs ``documents``, ``dropped`` and ``stats`` (name, value)
    pairs for the manifest: files read per format, lines read and lines with undecodable bytes
    (in total and per source), documents cut into pieces and the pieces that added."""

    def __init__(self, files):
        super().__init__()
        self._files = sorted(files)

    def expand(self, pbegin):
        return (pbegin
                | 'ListFiles' >> beam.Create(self._files)
                | 'Reshuffle' >> beam.Reshuffle()
                | 'ParseFiles' >> beam.ParDo(_ParseFile()).with_outputs('dropped', 'stats',
                                                                        main='documents'))
