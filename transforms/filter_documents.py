"""Document filters: boilerplate lines removed, then too short / too little Chinese / too
repetitive documents dropped (see wwm.boilerplate and wwm.filters)."""
import apache_beam as beam

from schemas.records import Document, Dropped
from wwm.boilerplate import remove_boilerplate
from wwm.filters import FilterThresholds, rejection

BOILERPLATE_ONLY = 'boilerplate_only'
SAMPLE_CHARS = 200


class _FilterDocument(beam.DoFn):
    def __init__(self, thresholds: FilterThresholds, remove_boilerplate_lines: bool):
        self._thresholds = thresholds
        self._remove_boilerplate = remove_boilerplate_lines

    def process(self, document: Document):
        text = document.text
        if self._remove_boilerplate:
            text, lines, credits = remove_boilerplate(text)
            for name, count in (('boilerplate_lines', lines), ('boilerplate_credits', credits)):
                if count:
                    yield beam.pvalue.TaggedOutput('stats', ('filtering.' + name, count))
            if not text:
                yield beam.pvalue.TaggedOutput('dropped', Dropped(
                    BOILERPLATE_ONLY, document.doc_id, document.source, document.text[:SAMPLE_CHARS],
                    detail='%d boilerplate lines' % lines))
                return
        failed = rejection(text, self._thresholds)
        if failed:
            yield beam.pvalue.TaggedOutput('dropped', Dropped(
                failed.reason, document.doc_id, document.source, text[:SAMPLE_CHARS], detail=failed.detail))
        else:
            yield document._replace(text=text)


class FilterDocuments(beam.PTransform):
    """Outputs ``documents`` (passed, boilerplate removed), ``dropped`` and ``stats``."""

    def __init__(self, thresholds: FilterThresholds, remove_boilerplate_lines: bool = True):
        super().__init__()
        self._filter = _FilterDocument(thresholds, remove_boilerplate_lines)

    def expand(self, documents):
        return documents | beam.ParDo(self._filter).with_outputs('dropped', 'stats', main='documents')
