"""One base for every stage that keeps or drops elements, so that each stage is only its check.

A stage is a plain function ``check(element)`` (the Beam-free logic stays in wwm/). It returns what
becomes of the element, or yields it when there is more than one outcome:

- the kept element (or several: copies, the documents of a file) -> main output ``documents``;
- ``Drop(reason, sample, detail)``: the element leaves the pipeline -> a ``Dropped`` record of it on
  ``dropped`` (the element has ``doc_id`` and ``source``); a check whose element is not the dropped
  document itself (a file, a grouped key) returns a whole ``Dropped`` record (see dropped_record);
- ``Count(name, value)``: a count for the manifest -> a (name, value) pair on ``stats``.

The base does the accounting once: a Beam metric per stage for elements in, kept and each drop
reason (and each stats count with a plain name), for monitoring, and a log line when a worker's
element count reaches a power of two, so a long stage shows progress without a line per element.
The manifest's numbers are still computed as data from ``dropped`` and ``stats`` (count_stats), the
same on every runner; metrics are delivered differently by each.

A check that needs per-worker state is an object with a ``setup()`` method, called where Beam sets
up the DoFn, once per worker instance. A check that needs what the pipeline itself computes (the
run's tokenizer, trained in the job) gets it as side inputs: ``check(element, *side_values)``.
"""
import inspect
import logging
from typing import NamedTuple

import apache_beam as beam
from apache_beam.metrics import Metrics

from schemas.records import Dropped
from wwm.readers.input_file import SAMPLE_CHARS

KEPT = 'documents'
DROPPED = 'dropped'
STATS = 'stats'


class Drop(NamedTuple):
    """A check's verdict that its element leaves the pipeline: why, the text to show for it (cut to
    SAMPLE_CHARS) and what the check measured."""
    reason: str
    sample: str
    detail: str = ''


class Count(NamedTuple):
    """A (name, value) count for the manifest (names as in schemas.manifest)."""
    name: object
    value: int


def dropped_record(document, drop: Drop) -> Dropped:
    """The Dropped record of ``document`` (anything with ``doc_id`` and ``source``) for ``drop``."""
    return Dropped(drop.reason, document.doc_id, document.source, drop.sample[:SAMPLE_CHARS],
                   detail=drop.detail)


def _is_power_of_two(count: int) -> bool:
    return count & (count - 1) == 0


class _KeepOrDropFn(beam.DoFn):
    """Routes a check's outcomes to the three outputs and counts them (see the module's docstring)."""

    def __init__(self, stage: str, check):
        super().__init__()
        self._stage = stage
        self._check = check
        self._elements = Metrics.counter(stage, 'elements')
        self._kept = Metrics.counter(stage, 'kept')
        self._counters = {}
        self._seen = self._kept_total = 0
        self._dropped_totals = {}

    def setup(self):
        if hasattr(self._check, 'setup'):
            self._check.setup()

    def process(self, element, *side_values):
        outcomes = self._check(element, *side_values)
        if not inspect.isgenerator(outcomes):
            outcomes = (outcomes,)
        kept = 0
        for outcome in outcomes:
            if isinstance(outcome, Count):
                self._count_stat(outcome)
                yield beam.pvalue.TaggedOutput(STATS, tuple(outcome))
            elif isinstance(outcome, (Drop, Dropped)):
                record = dropped_record(element, outcome) if isinstance(outcome, Drop) else outcome
                self._count_drop(record.reason)
                yield beam.pvalue.TaggedOutput(DROPPED, record)
            else:
                kept += 1
                yield outcome
        self._count_element(kept)

    def _counter(self, name: str):
        counter = self._counters.get(name)
        if counter is None:
            counter = self._counters[name] = Metrics.counter(self._stage, name)
        return counter

    def _count_stat(self, count: Count) -> None:
        if isinstance(count.name, str):  # per-source counts are named by tuples: the manifest's only
            self._counter(count.name).inc(count.value)

    def _count_drop(self, reason: str) -> None:
        self._counter('dropped.' + reason).inc()
        self._dropped_totals[reason] = self._dropped_totals.get(reason, 0) + 1

    def _count_element(self, kept: int) -> None:
        self._elements.inc()
        if kept:
            self._kept.inc(kept)
        self._seen += 1
        self._kept_total += kept
        if _is_power_of_two(self._seen):
            logging.info('%s: %d elements in, %d kept, dropped %s', self._stage, self._seen,
                         self._kept_total, dict(sorted(self._dropped_totals.items())) or 'none')


class KeepOrDrop(beam.PTransform):
    """Elements -> ``documents`` (kept), ``dropped`` (Dropped records) and ``stats`` ((name, value)
    pairs), as ``check`` says of each element; ``stage`` names its metrics and log lines;
    ``side_inputs`` (Beam side inputs, e.g. AsSingleton) follow the element in each check call."""

    def __init__(self, stage: str, check, side_inputs=()):
        super().__init__()
        self._fn = _KeepOrDropFn(stage, check)
        self._side_inputs = tuple(side_inputs)

    def expand(self, elements):
        return elements | beam.ParDo(self._fn, *self._side_inputs).with_outputs(DROPPED, STATS, main=KEPT)
