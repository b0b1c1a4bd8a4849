"""Read documents from the input files, each in its format (see wwm.readers.document_files, wwm/readers)."""
import logging

import apache_beam as beam

from schemas.sources import InputFile
from transforms.count_stats import per_source
from transforms.keep_or_drop import Count, KeepOrDrop
from wwm.readers.document_files import FileReport, read_documents


def parse_file(input_file: InputFile):
    """A file's Documents and the Dropped records of what could not be read, then its counts: the
    file's format, lines read and lines with undecodable bytes (in total and per source), documents
    cut into pieces and the pieces that added. Undecodable bytes are also logged, once per file."""
    report = FileReport()
    yield from read_documents(input_file.path, input_file.name, input_file.spec, report)
    yield Count('input_files.%s' % (report.format or 'unreadable'), 1)
    if report.undecodable_lines:
        logging.warning('%s: %d line(s) with bytes that are not %s, replaced by U+FFFD; the first '
                        'at byte offset %d', input_file.name, report.undecodable_lines,
                        report.encoding, report.first_undecodable_offset)
    for name in ('lines_read', 'undecodable_lines'):
        for pair in per_source(input_file.name, name, getattr(report, name)):
            yield Count(*pair)
    for name in ('documents_split', 'document_pieces_added'):
        if getattr(report, name):
            yield Count(name, getattr(report, name))


class ReadDocuments(beam.PTransform):
    """Read the given InputFiles; outputs ``documents``, ``dropped`` and ``stats`` (name, value)
    pairs for the manifest (see parse_file)."""

    def __init__(self, files):
        super().__init__()
        self._files = sorted(files)

    def expand(self, pbegin):
        return (pbegin
                | 'ListFiles' >> beam.Create(self._files)
                | 'Reshuffle' >> beam.Reshuffle()
                | 'ParseFiles' >> KeepOrDrop('read_documents', parse_file))
