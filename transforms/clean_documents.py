"""Cleaning: converter markup, HTML, URLs/e-mails, invisible characters, whitespace (see
wwm.text.cleaning). Documents left empty are dropped with reason ``empty``.
"""
import functools

from schemas.records import Document
from transforms.keep_or_drop import Count, Drop, KeepOrDrop
from wwm.text.cleaning import CleaningOptions, clean_with_counts

EMPTY = 'empty'


def clean_document(document: Document, options: CleaningOptions):
    """The document cleaned, or Drop when nothing is left; a ``cleaning.<step>`` count per step."""
    text, counts = clean_with_counts(document.text, options)
    for step, count in sorted(counts.items()):
        yield Count('cleaning.' + step, count)
    yield document._replace(text=text) if text else Drop(EMPTY, document.text)


class CleanDocuments(KeepOrDrop):
    """Outputs ``documents`` (cleaned), ``dropped`` and ``stats`` ((name, count) of each step)."""

    def __init__(self, options: CleaningOptions = CleaningOptions()):
        super().__init__('clean_documents', functools.partial(clean_document, options=options))
