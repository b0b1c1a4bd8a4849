"""Globally shuffled, exactly balanced, reproducible shards, in every output format at once.

Every record gets a seeded hash of its InstanceKey; the global order is (hash, key), a function of
the input, options and seed alone, not of the runner or worker count. Shard s holds a contiguous
range of that order and shard sizes differ by at most one record (wwm/balanced_shards.py says how,
without any stage holding the corpus). Each shard's records are sorted once (spilling to disk past a
memory bound) and written to one file per output format, so the formats hold the same instances in
the same order. Files go under ``.incomplete/`` and are moved into place by commit_dataset.
"""
import collections
import itertools

import apache_beam as beam
from apache_beam.io.filesystems import CompressionTypes, FileSystems
from apache_beam.transforms.window import GlobalWindows

from schemas.records import ShardInfo
from transforms.count_stats import CountStats
from wwm.balanced_shards import (ShardLayout, bucket_of, own_records, record_hash, record_payload,
                                 shard_record)
from wwm.external_sort import sorted_records
from wwm.hashing import stable_hash64
from wwm.packed_instances import pack_instance, unpack_instance
from wwm.shard_writers import DigestingSink, open_writer

INCOMPLETE_DIR = '.incomplete'


def shard_name(index: int, num_shards: int, extension: str) -> str:
    return 'part-%05d-of-%05d.%s' % (index, num_shards, extension)


# Records travel to the shard shuffle in lists of about this many bytes.
_BATCH_BYTES = 4 << 20


class _HashOrder(beam.DoFn):
    """(InstanceKey, TrainingInstance) -> lists of shard records: a record is the sort key and the
    packed instance in one bytes object.

    Lists, not one element per record: Beam spends a fixed cost on every element that crosses a
    stage boundary, and the local runner relays each one three times on its way to a shard (at
    dupe 10, millions of records). A list is cut at _BATCH_BYTES and at the end of a bundle.
    """

    def __init__(self, seed: int):
        self._seed = seed
        self._batch = self._bytes = None

    def start_bundle(self):
        self._batch, self._bytes = [], 0

    def process(self, keyed_instance):
        key, instance = keyed_instance
        record = shard_record(stable_hash64(self._seed, 'shuffle', *key), key, pack_instance(instance))
        self._batch.append(record)
        self._bytes += len(record)
        if self._bytes >= _BATCH_BYTES:
            yield self._take()

    def finish_bundle(self):
        if self._batch:
            yield GlobalWindows.windowed_value(self._take())

    def _take(self) -> list:
        batch, self._batch, self._bytes = self._batch, [], 0
        return batch


def _bucket_counts(batch):
    """(bucket, records of the list in it) pairs, for CountStats to sum per bundle."""
    return collections.Counter(bucket_of(record_hash(record)) for record in batch).items()


def _layout(bucket_counts, num_shards: int) -> ShardLayout:
    return ShardLayout.from_counts(num_shards, bucket_counts)


def _to_shards(batch, layout: ShardLayout):
    """A list of records -> (shard, the list's records that shard needs) for each shard it reaches."""
    by_shard = {}
    for record in batch:
        for shard in layout.shards_of_bucket(bucket_of(record_hash(record))):
            by_shard.setdefault(shard, []).append(record)
    return by_shard.items()


class _ShardFiles(beam.DoFn):
    """Base of the shard-writing DoFns: one file per output spec for a shard index."""

    def __init__(self, temp_dir: str, num_shards: int, specs):
        self._temp_dir = temp_dir
        self._num_shards = num_shards
        self._specs = specs

    def _write(self, index: int, instances):
        """Every instance to one file per spec, in one pass; (output format, ShardInfo) per file."""
        names = [shard_name(index, self._num_shards, spec.extension) for spec in self._specs]
        handles = [FileSystems.create(FileSystems.join(self._temp_dir, name),
                                      compression_type=CompressionTypes.UNCOMPRESSED) for name in names]
        sinks = [DigestingSink(handle) for handle in handles]
        writers = [open_writer(spec, sink) for spec, sink in zip(self._specs, sinks)]
        count = 0
        for instance in instances:
            for writer in writers:
                writer.write(instance)
            count += 1
        for writer, handle in zip(writers, handles):
            writer.close()
            handle.close()
        for spec, name, sink in zip(self._specs, names, sinks):
            yield spec.output_format, ShardInfo(name, count, sink.num_bytes, sink.hexdigest())


class _WriteShard(_ShardFiles):
    """(shard index, lists of records sent to it) -> the shard's files, its own records in global
    order."""

    def process(self, shard_batches, layout):
        index, batches = shard_batches
        records = sorted_records(itertools.chain.from_iterable(batches))
        instances = (unpack_instance(record_payload(record))
                     for record in own_records(records, layout, index))
        yield from self._write(index, instances)


class _WriteEmptyShards(_ShardFiles):
    """Empty files for the shards that received no record (fewer records than shards), so that
    there are always ``num_shards`` files per spec."""

    def process(self, _, written):
        names = {info.file_name for _, info in written}
        for index in range(self._num_shards):
            if shard_name(index, self._num_shards, self._specs[0].extension) not in names:
                yield from self._write(index, ())


class WriteShards(beam.PTransform):
    """(InstanceKey, TrainingInstance) -> (output format, ShardInfo): ``num_shards`` files per spec.

    ``specs`` are wwm.shard_writers.OutputSpec; with fewer records than shards some files are empty.
    The empty ones are written after the others, from the list of those written: mixing placeholder
    elements into the shuffle instead would need a Flatten before it, which Beam's local runner
    materializes, relaying every record once more.
    """

    def __init__(self, output_dir, num_shards, seed, specs):
        super().__init__()
        self._num_shards = num_shards
        self._seed = seed
        temp_dir = FileSystems.join(output_dir, INCOMPLETE_DIR)
        self._write = _WriteShard(temp_dir, num_shards, list(specs))
        self._write_empty = _WriteEmptyShards(temp_dir, num_shards, list(specs))

    def expand(self, instances):
        hashed = instances | 'HashOrder' >> beam.ParDo(_HashOrder(self._seed))
        layout = beam.pvalue.AsSingleton(
            hashed
            | 'CountPerBucket' >> CountStats(_bucket_counts)
            | 'SumPerBucket' >> beam.CombinePerKey(sum)
            | 'AllBuckets' >> beam.combiners.ToList()
            | 'Layout' >> beam.Map(_layout, self._num_shards))
        written = (hashed
                   | 'ToShards' >> beam.FlatMap(_to_shards, layout)
                   | 'GroupShards' >> beam.GroupByKey()
                   | 'WriteShard' >> beam.ParDo(self._write, layout))
        empty = (instances.pipeline
                 | 'Once' >> beam.Create([None])
                 | 'WriteEmptyShards' >> beam.ParDo(self._write_empty, beam.pvalue.AsList(written)))
        return (written, empty) | 'AllShards' >> beam.Flatten()
