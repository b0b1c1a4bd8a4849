"""Counts for the manifest, computed as data (not metrics) so every runner reports the same numbers.

Beam metrics are reported too, for monitoring, but their delivery differs by runner; the manifest's
numbers come from these combines.
"""
import apache_beam as beam

from schemas.manifest import SOURCE_KEY


def per_source(source: str, name: str, value: int):
    """(name, value) for the total and ((SOURCE_KEY, source, name), value) for the source's own count."""
    yield name, value
    yield (SOURCE_KEY, source, name), value


class CountStats(beam.PTransform):
    """records -> (name, value) pairs; ``count_fn(record)`` returns an iterable of such pairs."""

    def __init__(self, count_fn):
        super().__init__()
        self._count_fn = count_fn

    def expand(self, records):
        return records | beam.FlatMap(self._count_fn)


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
