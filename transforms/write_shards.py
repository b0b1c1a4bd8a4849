"""Globally shuffled, exactly balanced, reproducible shards, in every output format at once.

Every record gets a seeded hash of its InstanceKey; the global order is (hash, key), a function of
the input, options and seed alone, not of the runner or worker count. Shard s holds a contiguous
range of that order and shard sizes differ by at most one record (wwm/balanced_shards.py says how,
without any stage holding the corpus). A shard is sorted in pieces of about PIECE_BYTES (each a
range of the order, sorted on its own and kept in a run file), so no element that crosses a shuffle
grows with the shard; then the shard's runs are read in order and written to one file per output
format, so the formats hold the same instances in the same order. Shard files go under
``.incomplete/`` and are moved into place by commit_dataset, which deletes the runs; the runs go
there too unless --sort_temp_dir names another place (runs_folder).
"""
import hashlib
import itertools
from typing import Optional

import apache_beam as beam
from apache_beam.io.filesystems import CompressionTypes, FileSystems
from apache_beam.transforms.window import GlobalWindows

from schemas.records import ShardInfo
from wwm.balanced_shards import ShardLayout, bucket_of, own_records, record_hash, shard_record
from wwm.external_sort import sorted_records, write_run
from wwm.hashing import stable_hash64
from wwm.packed_instances import pack_instance
from wwm.shard_writers import DigestingSink, ShardFiles

INCOMPLETE_DIR = '.incomplete'


def runs_folder(output_dir: str, sort_temp_dir: Optional[str] = None) -> str:
    """Where a dataset's run files go: the output's ``.incomplete/`` folder, or under
    ``sort_temp_dir`` a folder named after the output directory, so that every attempt and re-run
    of one dataset uses the same folder (a killed run's leftovers are found) and two datasets
    never share one."""
    if not sort_temp_dir:
        return FileSystems.join(output_dir, INCOMPLETE_DIR)
    digest = hashlib.sha256(output_dir.encode('utf-8')).hexdigest()
    return FileSystems.join(sort_temp_dir, 'runs-%s' % digest[:16])


def shard_name(index: int, num_shards: int, extension: str) -> str:
    return 'part-%05d-of-%05d.%s' % (index, num_shards, extension)


# Records travel to the shard shuffle in lists of about this many bytes.
_BATCH_BYTES = 4 << 20
# A shard is sorted in pieces of about this many bytes of records (wwm/balanced_shards.py). A worker
# holds a piece about four times while it sorts it (message, records, sorted list, run file
# buffers): 32 MB until round K, which peaked at 547-580 MB on the 100 MB corpus, 481-483 with 8 MB.
PIECE_BYTES = 8 << 20


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


class _BucketSizes(beam.CombineFn):
    """Lists of records -> {bucket: [records, bytes]} over the whole PCollection (the pieces are cut
    by bytes).

    One combine: each worker sums its bundles into one dict, bounded by the 2^BUCKET_BITS buckets,
    and the dicts are merged. Counting (bucket, kind) pairs per bundle, summing them per key and
    gathering the sums into a list instead sent up to 131,072 elements through three fused stages
    (0.6 s of a two-worker 10 MB run).
    """

    def create_accumulator(self):
        return {}

    def add_input(self, sizes, batch):
        for record in batch:
            size = sizes.setdefault(bucket_of(record_hash(record)), [0, 0])
            size[0] += 1
            size[1] += len(record)
        return sizes

    def merge_accumulators(self, accumulators):
        accumulators = iter(accumulators)
        merged = next(accumulators)
        for sizes in accumulators:
            for bucket, (records, size) in sizes.items():
                total = merged.setdefault(bucket, [0, 0])
                total[0] += records
                total[1] += size
        return merged

    def extract_output(self, sizes):
        return sizes


def _layout(bucket_sizes: dict, num_shards: int, piece_bytes: int) -> ShardLayout:
    return ShardLayout.from_counts(num_shards, [(bucket, records, size)
                                                for bucket, (records, size) in bucket_sizes.items()],
                                   piece_bytes)


def _to_pieces(batch, layout: ShardLayout):
    """A list of records -> ((shard, piece), the list's records in it) for each piece it reaches."""
    by_piece = {}
    for record in batch:
        for key in layout.pieces_of_bucket(bucket_of(record_hash(record))):
            by_piece.setdefault(key, []).append(record)
    return by_piece.items()


def run_name(shard: int, piece: int) -> str:
    return 'run-%05d-%06d.bin' % (shard, piece)


class _SortPiece(beam.DoFn):
    """((shard, piece), lists of records) -> (shard, (piece, run file)): the piece's own records of
    the shard, sorted, in a file of the dataset's runs folder (deleted at commit).

    The file's name depends only on the key, so a retried element rewrites the same file.
    """

    def __init__(self, runs_dir: str):
        self._runs_dir = runs_dir

    def process(self, key_batches, layout):
        (shard, piece), batches = key_batches
        records = sorted_records(itertools.chain.from_iterable(batches))
        path = FileSystems.join(self._runs_dir, run_name(shard, piece))
        with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            write_run(handle, own_records(records, layout, shard))
        yield shard, (piece, path)


class _ShardFilesDoFn(beam.DoFn):
    """Base of the shard-writing DoFns: one file per output spec for a shard index."""

    def __init__(self, temp_dir: str, num_shards: int, specs):
        self._temp_dir = temp_dir
        self._num_shards = num_shards
        self._specs = specs

    def _write(self, index: int, runs):
        """Every run (its bytes) to one file per spec, in one pass; (output format, ShardInfo) per file."""
        names = [shard_name(index, self._num_shards, spec.extension) for spec in self._specs]
        handles = [FileSystems.create(FileSystems.join(self._temp_dir, name),
                                      compression_type=CompressionTypes.UNCOMPRESSED) for name in names]
        sinks = [DigestingSink(handle) for handle in handles]
        files = ShardFiles(self._specs, sinks)
        count = sum(files.write_run(data) for data in runs)
        files.close()
        for handle in handles:
            handle.close()
        for spec, name, sink in zip(self._specs, names, sinks):
            yield spec.output_format, ShardInfo(name, count, sink.num_bytes, sink.hexdigest())


class _WriteShard(_ShardFilesDoFn):
    """(shard index, its sorted pieces' run files) -> the shard's files: the runs read in piece
    order are the shard's records in global order. A run is read whole: it holds one piece of the
    shard (about PIECE_BYTES), so the formats can take its records in one call."""

    def process(self, shard_runs):
        index, runs = shard_runs
        yield from self._write(index, (_read_whole(path) for _, path in sorted(runs)))


def _read_whole(path: str) -> bytes:
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        return handle.read()


class _WriteEmptyShards(_ShardFilesDoFn):
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
    The sorted pieces go to runs_folder(output_dir, sort_temp_dir); CommitDataset deletes them.
    The empty ones are written after the others, from the list of those written: mixing placeholder
    elements into the shuffle instead would need a Flatten before it, which Beam's local runner
    materializes, relaying every record once more.
    """

    def __init__(self, output_dir, num_shards, seed, specs, sort_temp_dir=None,
                 piece_bytes=PIECE_BYTES):
        super().__init__()
        self._num_shards = num_shards
        self._seed = seed
        self._piece_bytes = piece_bytes
        temp_dir = FileSystems.join(output_dir, INCOMPLETE_DIR)
        self._sort = _SortPiece(runs_folder(output_dir, sort_temp_dir))
        self._write = _WriteShard(temp_dir, num_shards, list(specs))
        self._write_empty = _WriteEmptyShards(temp_dir, num_shards, list(specs))

    def expand(self, instances):
        hashed = instances | 'HashOrder' >> beam.ParDo(_HashOrder(self._seed))
        layout = beam.pvalue.AsSingleton(
            hashed
            | 'SizePerBucket' >> beam.CombineGlobally(_BucketSizes())
            | 'Layout' >> beam.Map(_layout, self._num_shards, self._piece_bytes))
        written = (hashed
                   | 'ToPieces' >> beam.FlatMap(_to_pieces, layout)
                   | 'GroupPieces' >> beam.GroupByKey()
                   | 'SortPiece' >> beam.ParDo(self._sort, layout)
                   | 'GroupShards' >> beam.GroupByKey()
                   | 'WriteShard' >> beam.ParDo(self._write))
        empty = (instances.pipeline
                 | 'Once' >> beam.Create([None])
                 | 'WriteEmptyShards' >> beam.ParDo(self._write_empty, beam.pvalue.AsList(written)))
        return (written, empty) | 'AllShards' >> beam.Flatten()
