"""The keep-or-drop base (transforms/keep_or_drop.py): routing of a check's outcomes to the three
outputs, the Dropped records it makes, its metrics and its progress log, on made-up elements."""
import ast
import logging
import re

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas.records import Document, Dropped
from transforms.keep_or_drop import Count, Drop, KeepOrDrop
from wwm.readers.input_file import SAMPLE_CHARS

STAGE = 'made_up_stage'
LONG = '长' * (SAMPLE_CHARS + 50)
DOCUMENTS = [Document('a:0', 'a', 'keep me'), Document('a:1', 'a', 'short'),
             Document('b:0', 'b', LONG), Document('b:1', 'b', 'keep me too')]


def _check(document: Document):
    """Keeps texts starting with 'keep', drops the rest for being short or long; counts characters."""
    yield Count('characters', len(document.text))
    yield Count(('source', document.source, 'characters'), len(document.text))
    if document.text.startswith('keep'):
        yield document._replace(text=document.text.upper())
    elif len(document.text) < 10:
        yield Drop('too_short', document.text)
    else:
        yield Drop('too_long', document.text, detail='%d characters' % len(document.text))


def _run(check, elements):
    """The pipeline's result and the three outputs (asserted inside the pipeline by the caller)."""
    pipeline = test_pipeline.TestPipeline()
    outputs = pipeline | beam.Create(elements) | KeepOrDrop(STAGE, check)
    return pipeline, outputs


def test_kept_dropped_and_counts_go_to_their_outputs():
    pipeline, outputs = _run(_check, DOCUMENTS)
    assert_that(outputs.documents, equal_to([Document('a:0', 'a', 'KEEP ME'),
                                             Document('b:1', 'b', 'KEEP ME TOO')]), label='Kept')
    assert_that(outputs.dropped, equal_to([
        Dropped('too_short', 'a:1', 'a', 'short'),
        Dropped('too_long', 'b:0', 'b', LONG[:SAMPLE_CHARS], offset=-1,
                detail='%d characters' % len(LONG))]), label='Dropped')
    lengths = [len(d.text) for d in DOCUMENTS]
    assert_that(outputs.stats, equal_to(
        [('characters', n) for n in lengths]
        + [(('source', d.source, 'characters'), n) for d, n in zip(DOCUMENTS, lengths)]), label='Stats')
    pipeline.run().wait_until_finish()


def _one_outcome(document: Document):
    """A plain function returning one outcome: the element, a Drop, or a whole Dropped record."""
    if document.text.startswith('file'):
        return Dropped('unreadable_file', document.text + '@7', document.text, 'bytes', 7, 'not text')
    if document.text.startswith('drop'):
        return Drop('dropped_word', document.text)
    return document


def _documents(*texts) -> list:
    return [Document('c:%d' % index, 'c', text) for index, text in enumerate(texts)]


def test_a_check_may_return_one_outcome_and_a_whole_dropped_record_passes_unchanged():
    pipeline = test_pipeline.TestPipeline()
    word, file, drop = _documents('word', 'file.gz', 'drop it')
    outputs = pipeline | beam.Create([word, file, drop]) | KeepOrDrop(STAGE, _one_outcome)
    assert_that(outputs.documents, equal_to([word]), label='Kept')
    assert_that(outputs.dropped, equal_to([Dropped('unreadable_file', 'file.gz@7', 'file.gz', 'bytes', 7,
                                                   'not text'),
                                           Dropped('dropped_word', 'c:2', 'c', 'drop it')]), label='Dropped')
    assert_that(outputs.stats, equal_to([]), label='Stats')
    pipeline.run().wait_until_finish()


def _counters(result) -> dict:
    found = result.metrics().query(MetricsFilter().with_namespace(STAGE))['counters']
    return {counter.key.metric.name: counter.committed for counter in found}


def test_each_stage_counts_elements_kept_and_each_reason_in_beam_metrics():
    pipeline = test_pipeline.TestPipeline()
    outputs = pipeline | beam.Create(DOCUMENTS) | KeepOrDrop(STAGE, _check)
    assert_that(outputs.documents | beam.combiners.Count.Globally(), equal_to([2]))
    result = pipeline.run()
    result.wait_until_finish()
    assert _counters(result) == {'elements': 4, 'kept': 2, 'dropped.too_short': 1, 'dropped.too_long': 1,
                                 'characters': sum(len(d.text) for d in DOCUMENTS)}


def _logged_counts(caplog) -> list:
    """(elements, kept, dropped) of each progress line of the stage."""
    pattern = re.compile(r'%s: (\d+) elements in, (\d+) kept, dropped (.*)\Z' % STAGE)
    matches = [pattern.match(record.getMessage()) for record in caplog.records]
    return [(int(m.group(1)), int(m.group(2)), {} if m.group(3) == 'none' else ast.literal_eval(m.group(3)))
            for m in matches if m]


def test_progress_is_logged_when_the_element_count_reaches_a_power_of_two(caplog):
    caplog.set_level(logging.INFO)
    pipeline = test_pipeline.TestPipeline()
    _ = pipeline | beam.Create(_documents(*['keep'] * 3 + ['drop'] * 6)) | KeepOrDrop(STAGE, _one_outcome)
    pipeline.run().wait_until_finish()
    logged = _logged_counts(caplog)
    assert [count for count, _, _ in logged] == [1, 2, 4, 8]
    for count, kept, dropped in logged:
        assert set(dropped) <= {'dropped_word'} and kept + sum(dropped.values()) == count
