"""Globally shuffled, exactly balanced, reproducible shards, in every output format at once.

Every record gets a seeded hash of its InstanceKey; the global order is (hash, key), a function of
the input, options and seed alone, not of the runner or worker count. Shard s holds a contiguous
range of that order and shard sizes differ by at most one record (wwm/balanced_shards.py says how,
without any stage holding the corpus). Each shard's records are sorted once (spilling to disk past a
memory bound) and written to one file per output format, so the formats hold the same instances in
the same order. Files go under ``.incomplete/`` and are moved into place by commit_dataset.
"""
import apache_beam as beam
from apache_beam.io.filesystems import CompressionTypes, FileSystems

from schemas.records import ShardInfo
from wwm.balanced_shards import ShardLayout, bucket_of, own_records, record_payload, shard_record
from wwm.external_sort import sorted_records
from wwm.hashing import stable_hash64
from wwm.packed_instances import pack_instance, unpack_instance
from wwm.shard_writers import DigestingSink, open_writer

INCOMPLETE_DIR = '.incomplete'


def shard_name(index: int, num_shards: int, extension: str) -> str:
    return 'part-%05d-of-%05d.%s' % (index, num_shards, extension)


def _hash_order(keyed_instance, seed: int):
    """(bucket, record): a record is the sort key and the packed instance in one bytes object."""
    key, instance = keyed_instance
    sort_hash = stable_hash64(seed, 'shuffle', *key)
    return bucket_of(sort_hash), shard_record(sort_hash, key, pack_instance(instance))


def _layout(bucket_counts, num_shards: int) -> ShardLayout:
    return ShardLayout.from_counts(num_shards, bucket_counts)


def _to_shards(bucketed, layout: ShardLayout):
    bucket, record = bucketed
    for shard in layout.shards_of_bucket(bucket):
        yield shard, record


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
    """(shard index, records sent to it) -> the shard's files, its own records in global order."""

    def process(self, shard_records, layout):
        index, records = shard_records
        instances = (unpack_instance(record_payload(record))
                     for record in own_records(sorted_records(records), layout, index))
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
        hashed = instances | 'HashOrder' >> beam.Map(_hash_order, self._seed)
        layout = beam.pvalue.AsSingleton(
            hashed
            | 'Buckets' >> beam.Keys()
            | 'CountPerBucket' >> beam.combiners.Count.PerElement()
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
