"""Test-only fault injection into a built pipeline: the job's own DoFns wrapped after build_pipeline.

A runner that loses a worker, or sees a bundle fail, retries the bundle: Dataflow re-runs a failed
work item (up to 4 times in batch), Flink restarts the failed tasks. The outputs of the failed
attempt are thrown away, but its side effects (files written, renamed, deleted) stay. Beam's local
runners (the FnApiRunner, the local job service) do not retry: a failed bundle fails the job. So a
retry is emulated inside the worker by ``RetriedDoFn``: every element is first processed by a second
instance of the DoFn (set up on its own, like a DoFn on another worker), whose outputs are thrown
away after its side effects happened, then by the real instance, whose outputs go on. The outputs of
the two attempts must be equal, else the bundle fails.

This module is pickled by value into the pipeline, so workers need not import ``tests``.
"""
import os
import sys
import threading

import apache_beam as beam
from apache_beam.internal import cloudpickle, pickler
from apache_beam.pipeline import PipelineVisitor
from apache_beam.pvalue import TaggedOutput
from apache_beam.transforms.core import CallableWrapperDoFn

PROJECT_PACKAGES = ('transforms', 'beam_jobs', 'wwm')


class RetryChangedOutput(Exception):
    """A retried element gave other outputs than its first attempt."""


class InjectedFailure(Exception):
    """A failure injected by FailingDoFn."""


def _comparable(outputs):
    return [(o.tag, o.value) if isinstance(o, TaggedOutput) else o for o in outputs]


def _record(log_dir: str, label: str) -> None:
    with open(os.path.join(log_dir, 'attempts-%d.txt' % os.getpid()), 'a', encoding='utf-8') as log:
        log.write(label + '\n')


class RetriedDoFn(beam.DoFn):
    """Process every element twice (see the module's docstring); log each thrown-away attempt."""

    def __init__(self, inner: beam.DoFn, label: str, log_dir: str):
        super().__init__()
        self._inner = inner
        self._label = label
        self._log_dir = log_dir
        self._failed_attempt = None
        self._lock = None

    def setup(self):
        self._failed_attempt = pickler.loads(pickler.dumps(self._inner))
        self._failed_attempt.setup()
        self._inner.setup()
        self._lock = threading.Lock()

    def start_bundle(self):
        self._failed_attempt.start_bundle()
        self._inner.start_bundle()

    def process(self, element, *args, **kwargs):
        thrown_away = _comparable(self._failed_attempt.process(element, *args, **kwargs) or [])
        with self._lock:
            _record(self._log_dir, self._label)
        outputs = list(self._inner.process(element, *args, **kwargs) or [])
        if _comparable(outputs) != thrown_away:
            raise RetryChangedOutput('%s gave other outputs when retried' % self._label)
        yield from outputs

    def finish_bundle(self):
        """What a DoFn emits when its bundle ends is retried with the bundle: compared the same way."""
        thrown_away = _comparable(self._failed_attempt.finish_bundle() or [])
        outputs = list(self._inner.finish_bundle() or [])
        if _comparable(outputs) != thrown_away:
            raise RetryChangedOutput('%s gave other outputs at the end of a retried bundle' % self._label)
        yield from outputs

    def teardown(self):
        self._inner.teardown()
        if self._failed_attempt is not None:
            self._failed_attempt.teardown()


class FailingDoFn(beam.DoFn):
    """Let the DoFn process ``succeed`` elements, then raise InjectedFailure on every later one."""

    def __init__(self, inner: beam.DoFn, succeed: int):
        super().__init__()
        self._inner = inner
        self._succeed = succeed
        self._seen = 0

    def setup(self):
        self._inner.setup()

    def start_bundle(self):
        self._inner.start_bundle()

    def process(self, element, *args, **kwargs):
        self._seen += 1
        if self._seen > self._succeed:
            raise InjectedFailure('injected failure after %d elements' % self._succeed)
        yield from self._inner.process(element, *args, **kwargs) or []

    def finish_bundle(self):
        yield from self._inner.finish_bundle() or []

    def teardown(self):
        self._inner.teardown()


def _defined_in_project(dofn) -> bool:
    """A DoFn class, or a Map/FlatMap function, of the project (Beam's own DoFns are left alone)."""
    code = type(dofn)
    if isinstance(dofn, CallableWrapperDoFn):
        code = dofn._fn  # pylint: disable=protected-access
        code = getattr(code, '_argspec_fn', code)  # beam.Map wraps the function; this is the original
    return getattr(code, '__module__', '').split('.')[0] in PROJECT_PACKAGES


class _WrapDoFns(PipelineVisitor):
    def __init__(self, wrap, select):
        self._wrap = wrap
        self._select = select
        self.wrapped = []

    def visit_transform(self, applied_ptransform):
        transform = applied_ptransform.transform
        if isinstance(transform, beam.ParDo) and self._select(applied_ptransform.full_label,
                                                              transform.fn):
            transform.fn = transform.dofn = self._wrap(transform.fn, applied_ptransform.full_label)
            self.wrapped.append(applied_ptransform.full_label)


def _wrap_all(pipeline, wrap, select) -> list:
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    visitor = _WrapDoFns(wrap, select)
    pipeline.visit(visitor)
    return visitor.wrapped


def retry_every_element(pipeline, log_dir: str) -> list:
    """Wrap every DoFn of the project in RetriedDoFn; return the labels of the wrapped transforms."""
    return _wrap_all(pipeline, lambda fn, label: RetriedDoFn(fn, label, log_dir),
                     lambda label, fn: _defined_in_project(fn))


def fail_after(pipeline, label_suffix: str, succeed: int) -> list:
    """Wrap the ParDo whose label ends with ``label_suffix`` in FailingDoFn."""
    return _wrap_all(pipeline, lambda fn, label: FailingDoFn(fn, succeed),
                     lambda label, fn: label.endswith(label_suffix))
