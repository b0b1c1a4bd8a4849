"""Read documents from the input files, each in its format (see wwm.readers.document_files, wwm/readers)."""
import functools
import logging
from typing import Optional

import apache_beam as beam
from apache_beam.metrics import Metrics

from beam_jobs.progress import DOCUMENTS, worker_tally
from schemas.records import Document
from schemas.sources import InputFile
from transforms.count_stats import per_source
from transforms.keep_or_drop import Count, KeepOrDrop
from wwm.readers.document_files import FileReport, read_documents


STAGE = 'read_documents'  # the stage's name in its Beam metrics and log lines
# Bytes of the input files read whole (compressed bytes for a compressed file): the read stage's
# progress in a runner's UI, where the manifest's counts only come at the end.
_BYTES_READ = Metrics.counter(STAGE, 'bytes_read')


def parse_file(input_file: InputFile, progress: Optional[str] = None):
    """A file's Documents and the Dropped records of what could not be read, then its counts: the
    file's format, lines read and lines with undecodable bytes (in total and per source), documents
    cut into pieces and the pieces that added. Undecodable bytes are also logged, once per file.
    ``progress``: the local run's progress folder (beam_jobs/progress.py), or None."""
    report = FileReport()
    records = read_documents(input_file.path, input_file.name, input_file.spec, report)
    yield from _tallied(records, input_file, progress) if progress else records
    _BYTES_READ.inc(input_file.size)
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


def _tallied(records, input_file: InputFile, progress: str):
    """``records``, counting the file's bytes read and its documents in the progress folder."""
    tally = worker_tally(progress)
    tally.start_file(input_file.path, input_file.size)
    for record in records:
        if isinstance(record, Document):
            tally.add(DOCUMENTS)
        yield record
    tally.finish_file(input_file.path, input_file.size)


class ReadDocuments(beam.PTransform):
    """Read the given InputFiles; outputs ``documents``, ``dropped`` and ``stats`` (name, value)
    pairs for the manifest (see parse_file). ``progress``: the local run's progress folder, or
    None."""

    def __init__(self, files, progress: Optional[str] = None):
        super().__init__()
        self._files = sorted(files)
        self._parse = functools.partial(parse_file, progress=progress)

    def expand(self, pbegin):
        return (pbegin
                | 'ListFiles' >> beam.Create(self._files)
                | 'Reshuffle' >> beam.Reshuffle()
                | 'ParseFiles' >> KeepOrDrop(STAGE, self._parse))
