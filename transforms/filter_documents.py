"""Document filters: boilerplate lines removed, then too short / too little Chinese / too
repetitive documents dropped (see wwm.text.boilerplate and wwm.text.filters)."""
import functools

from schemas.records import Document
from transforms.keep_or_drop import Count, Drop, KeepOrDrop
from wwm.text.boilerplate import remove_boilerplate
from wwm.text.filters import FilterThresholds, rejection

BOILERPLATE_ONLY = 'boilerplate_only'


def filter_document(document: Document, thresholds: FilterThresholds, remove_boilerplate_lines: bool):
    """The document without its boilerplate lines, or Drop for the first filter it fails (its
    sample is the text the filter measured); ``filtering.*`` counts of the lines and credits cut."""
    text = document.text
    if remove_boilerplate_lines:
        text, lines, credits = remove_boilerplate(text)
        for name, count in (('boilerplate_lines', lines), ('boilerplate_credits', credits)):
            if count:
                yield Count('filtering.' + name, count)
        if not text:
            yield Drop(BOILERPLATE_ONLY, document.text, '%d boilerplate lines' % lines)
            return
    failed = rejection(text, thresholds)
    yield Drop(failed.reason, text, failed.detail) if failed else document._replace(text=text)


class FilterDocuments(KeepOrDrop):
    """Outputs ``documents`` (passed, boilerplate removed), ``dropped`` and ``stats``."""

    def __init__(self, thresholds: FilterThresholds, remove_boilerplate_lines: bool = True):
        super().__init__('filter_documents', functools.partial(
            filter_document, thresholds=thresholds, remove_boilerplate_lines=remove_boilerplate_lines))
