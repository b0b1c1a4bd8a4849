"""Globally shuffled, reproducible shards.

Every record gets a seeded hash of its InstanceKey; the hash picks the shard and orders the records
inside it. The order is thus a function of the input, options and seed alone, not of the runner or
worker count. Shards are written under ``.incomplete/`` and moved into place by commit_dataset.
"""
import hashlib

import apache_beam as beam
from apache_beam.io.filesystems import CompressionTypes, FileSystems

from schemas.records import ShardInfo
from wwm.external_sort import sorted_records
from wwm.hashing import stable_hash64

INCOMPLETE_DIR = '.incomplete'


def shard_name(index: int, num_shards: int, extension: str) -> str:
    return 'part-%05d-of-%05d.%s' % (index, num_shards, extension)


def _assign_shard(keyed_record, seed: int, num_shards: int, encode):
    key, record = keyed_record
    sort_key = stable_hash64(seed, 'shuffle', *key)
    return sort_key % num_shards, ((sort_key,) + tuple(key), encode(record))


class _WriteShard(beam.DoFn):
    def __init__(self, temp_dir: str, num_shards: int, extension: str, frame):
        self._temp_dir = temp_dir
        self._num_shards = num_shards
        self._extension = extension
        self._frame = frame

    def process(self, shard_records):
        index, records = shard_records
        name = shard_name(index, self._num_shards, self._extension)
        digest = hashlib.sha256()
        count = size = 0
        path = FileSystems.join(self._temp_dir, name)
        with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            for _, payload in sorted_records(r for r in records if r is not None):
                framed = self._frame(payload)
                handle.write(framed)
                digest.update(framed)
                count += 1
                size += len(framed)
        yield ShardInfo(name, count, size, digest.hexdigest())


class WriteShards(beam.PTransform):
    """(InstanceKey, record) -> ShardInfo for exactly ``num_shards`` files (some may be empty).

    ``encode`` turns a record into bytes and ``frame`` wraps those bytes for the file format.
    """

    def __init__(self, output_dir, num_shards, seed, extension, encode, frame):
        super().__init__()
        self._num_shards = num_shards
        self._seed = seed
        self._encode = encode
        self._write = _WriteShard(FileSystems.join(output_dir, INCOMPLETE_DIR), num_shards,
                                  extension, frame)

    def expand(self, records):
        keyed = records | 'AssignShard' >> beam.Map(_assign_shard, self._seed, self._num_shards,
                                                     self._encode)
        every_shard = (records.pipeline
                       | 'EveryShard' >> beam.Create([(i, None) for i in range(self._num_shards)]))
        return ((keyed, every_shard)
                | 'Merge' >> beam.Flatten()
                | 'GroupShards' >> beam.GroupByKey()
                | 'WriteShard' >> beam.ParDo(self._write))
