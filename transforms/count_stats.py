"""Counts for the manifest, computed as data (not metrics) so every runner reports the same numbers.

Beam metrics are reported too, for monitoring, but their delivery differs by runner; the manifest's
numbers come from these combines.
"""
import apache_beam as beam
from apache_beam.transforms.window import GlobalWindows

from schemas.manifest import SOURCE_KEY


def per_source(source: str, name: str, value: int):
    """(name, value) for the total and ((SOURCE_KEY, source, name), value) for the source's own count."""
    yield name, value
    yield (SOURCE_KEY, source, name), value


class _SumPerBundle(beam.DoFn):
    """Sums a bundle's (name, value) pairs and emits one pair per name when the bundle ends.

    Every count is a sum (see SumStats), so this changes no total; it sends a few pairs per bundle
    downstream instead of several per record (per instance, at dupe 10 millions of elements).
    """

    def __init__(self, count_fn):
        self._count_fn = count_fn
        self._sums = None

    def start_bundle(self):
        self._sums = {}

    def process(self, record):
        sums = self._sums
        for name, value in self._count_fn(record):
            sums[name] = sums.get(name, 0) + value

    def finish_bundle(self):
        for pair in self._sums.items():
            yield GlobalWindows.windowed_value(pair)
        self._sums = None


class CountStats(beam.PTransform):
    """records -> (name, value) pairs; ``count_fn(record)`` returns an iterable of such pairs.

    The pairs are summed per bundle: the output holds partial sums, for SumStats to total.
    """

    def __init__(self, count_fn):
        super().__init__()
        self._count_fn = count_fn

    def expand(self, records):
        return records | beam.ParDo(_SumPerBundle(self._count_fn))


class SumStats(beam.PTransform):
    """A tuple of (name, value) PCollections -> (name, total)."""

    def expand(self, stats):
        return stats | beam.Flatten() | beam.CombinePerKey(sum)


class SampleDropped(beam.PTransform):
    """Dropped -> (reason, up to ``n`` Dropped records with the smallest ids): a fixed sample."""

    def __init__(self, n: int):
        super().__init__()
        self._n = n

    def expand(self, dropped):
        return (dropped
                | beam.Map(lambda record: (record.reason, record))
                | beam.combiners.Top.PerKey(self._n, key=lambda record: record.doc_id, reverse=True))
