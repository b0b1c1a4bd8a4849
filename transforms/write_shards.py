"""Globally shuffled, exactly balanced, reproducible shards, in every output format at once.

Every record gets a seeded hash of its InstanceKey; the global order is (hash, key), a function of
the input, options and seed alone, not of the runner or worker count. Shard s holds a contiguous
range of that order and shard sizes differ by at most one record (wwm/records/balanced_shards.py says how,
without any stage holding the corpus). The order is cut into pieces by the top bits of the hash,
sized to about PIECE_BYTES from the expected bytes of records (WriteShards' ``piece_bits``); each
piece is sorted on its own and kept in a run file, so no element that crosses the shuffle grows
with the corpus. Then each shard reads the runs its ranks fall in, in order, and writes one file
per output format, so the formats hold the same instances in the same order; the MDS format also
gets its index.json, written once every shard is (WriteMDSIndex). Shard files go under
``.incomplete/`` and are moved into place by commit_dataset, which deletes the runs; the runs go
there too unless --sort_temp_dir names another place (runs_folder).
"""
import hashlib
import itertools
from typing import Optional

import apache_beam as beam
from apache_beam.io.filesystems import CompressionTypes, FileSystems
from apache_beam.transforms.window import GlobalWindows

from schemas.output_layout import INCOMPLETE_DIR, MDS_INDEX_NAME, run_name, runs_folder_name, shard_name
from schemas.records import ShardInfo
from wwm.records.balanced_shards import ShardLayout, piece_of, shard_record
from wwm.records.external_sort import run_slice, sorted_records, write_run
from wwm.hashing import stable_hash64
from wwm.records.packed_instances import pack_instance
from wwm.records.shard_writers import DigestingSink, ShardFiles, mds_index


def runs_folder(output_dir: str, sort_temp_dir: Optional[str] = None) -> str:
    """Where a dataset's run files go: the output's ``.incomplete/`` folder, or its folder under
    ``sort_temp_dir`` (schemas.output_layout.runs_folder_name)."""
    if not sort_temp_dir:
        return FileSystems.join(output_dir, INCOMPLETE_DIR)
    return FileSystems.join(sort_temp_dir, runs_folder_name(output_dir))


# Records travel to the piece shuffle in lists: a DoFn holds up to this many bytes of them.
_BATCH_BYTES = 4 << 20
# A piece holds about this many bytes of records or fewer (piece_bits_for). A worker holds a piece
# about four times while it sorts it (message, records, sorted list, run file buffers): on the 100 MB
# corpus a worker peaks at 481-483 MB with 8 MB pieces and at 547-580 MB with 32 MB ones.
PIECE_BYTES = 8 << 20


class _ToPieces(beam.DoFn):
    """(InstanceKey, TrainingInstance) -> (piece, list of shard records): a record is the sort key
    and the packed instance in one bytes object, in the piece its hash names.

    Lists, not one element per record: Beam spends a fixed cost on every element that crosses a
    stage boundary (at dupe 10, millions of records). The lists are sent whenever they hold
    _BATCH_BYTES together, and at the end of a bundle.
    """

    def __init__(self, seed: int, piece_bits: int):
        self._seed = seed
        self._piece_bits = piece_bits
        self._pieces = self._bytes = None

    def start_bundle(self):
        self._pieces, self._bytes = {}, 0

    def process(self, keyed_instance):
        key, instance = keyed_instance
        sort_hash = stable_hash64(self._seed, 'shuffle', *key)
        record = shard_record(sort_hash, key, pack_instance(instance))
        self._pieces.setdefault(piece_of(sort_hash, self._piece_bits), []).append(record)
        self._bytes += len(record)
        if self._bytes >= _BATCH_BYTES:
            yield from self._take()

    def finish_bundle(self):
        for piece_records in self._take():
            yield GlobalWindows.windowed_value(piece_records)

    def _take(self):
        pieces, self._pieces, self._bytes = self._pieces, {}, 0
        return pieces.items()


class _SortPiece(beam.DoFn):
    """(piece, lists of records) -> (piece, records): the piece's records, sorted, in a file of the
    dataset's runs folder (deleted at commit).

    The file's name depends only on the piece, so a retried element rewrites the same file.
    """

    def __init__(self, runs_dir: str):
        self._runs_dir = runs_dir

    def process(self, piece_batches):
        piece, batches = piece_batches
        records = sorted_records(itertools.chain.from_iterable(batches))
        path = FileSystems.join(self._runs_dir, run_name(piece))
        with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            count = write_run(handle, records)
        yield piece, count


class _WriteShard(beam.DoFn):
    """Shard index -> (output format, ShardInfo) for each of its files: the runs of the pieces its
    ranks fall in, read whole in piece order (a run is about PIECE_BYTES, so the formats take its
    records in one call), less the records of the shards before and after it."""

    def __init__(self, temp_dir: str, runs_dir: str, num_shards: int, specs):
        self._temp_dir = temp_dir
        self._runs_dir = runs_dir
        self._num_shards = num_shards
        self._specs = specs

    def process(self, index: int, layout: ShardLayout):
        runs = layout.shard_runs(index)
        names = [shard_name(index, self._num_shards, spec.extension) for spec in self._specs]
        handles = [FileSystems.create(FileSystems.join(self._temp_dir, name),
                                      compression_type=CompressionTypes.UNCOMPRESSED) for name in names]
        sinks = [DigestingSink(handle) for handle in handles]
        files = ShardFiles(self._specs, sinks)
        count = sum(files.write_run(self._read(run)) for run in runs)
        files.close()
        for handle in handles:
            handle.close()
        for spec, name, sink in zip(self._specs, names, sinks):
            yield spec.output_format, ShardInfo(name, count, sink.num_bytes, sink.hexdigest())

    def _read(self, run) -> bytes:
        piece, skip, take = run
        path = FileSystems.join(self._runs_dir, run_name(piece))
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            data = handle.read()
        try:
            return run_slice(data, skip, take)
        except ValueError as error:
            raise ValueError('%s: %s' % (path, error)) from None


class _WriteMDSIndex:
    """The MDS shards' ShardInfos -> ('mds', ShardInfo of index.json): MosaicML streaming's index of
    them in shard order, beside them in the temp folder; listed with the shards (0 records) so
    that the commit moves it and the manifest gives its sha256."""

    def __init__(self, temp_dir: str, spec):
        self._temp_dir = temp_dir
        self._spec = spec

    def __call__(self, shards: list):
        data = mds_index(self._spec.masking, self._spec.vocab_size, sorted(shards))
        path = FileSystems.join(self._temp_dir, MDS_INDEX_NAME)
        with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            handle.write(data)
        return 'mds', ShardInfo(MDS_INDEX_NAME, 0, len(data), hashlib.sha256(data).hexdigest())


def _layout(piece_counts: dict, num_shards: int) -> ShardLayout:
    return ShardLayout.from_counts(num_shards, piece_counts)


class WriteShards(beam.PTransform):
    """(InstanceKey, TrainingInstance) -> (output format, ShardInfo): ``num_shards`` files per spec.

    ``specs`` are wwm.records.shard_writers.OutputSpec; with fewer records than shards some files are empty.
    ``piece_bits`` cuts the order into 2^piece_bits pieces: piece_bits_for(the expected bytes of
    records, PIECE_BYTES). Fewer bits than that make larger pieces (more memory to sort one), more
    make smaller ones (more elements and files); the output is the same bytes either way.
    The sorted pieces go to runs_folder(output_dir, sort_temp_dir); CommitDataset deletes them.
    """

    def __init__(self, output_dir, num_shards, seed, specs, sort_temp_dir=None, piece_bits=0):
        super().__init__()
        self._num_shards = num_shards
        self._to_pieces = _ToPieces(seed, piece_bits)
        runs_dir = runs_folder(output_dir, sort_temp_dir)
        self._sort = _SortPiece(runs_dir)
        temp_dir = FileSystems.join(output_dir, INCOMPLETE_DIR)
        self._write = _WriteShard(temp_dir, runs_dir, num_shards, list(specs))
        self._mds_index = [_WriteMDSIndex(temp_dir, spec) for spec in specs if spec.output_format == 'mds']

    def expand(self, instances):
        layout = (instances
                  | 'ToPieces' >> beam.ParDo(self._to_pieces)
                  | 'GroupPieces' >> beam.GroupByKey()
                  | 'SortPiece' >> beam.ParDo(self._sort)
                  | 'PieceCounts' >> beam.combiners.ToDict()
                  | 'Layout' >> beam.Map(_layout, self._num_shards))
        shards = (instances.pipeline
                  | 'Shards' >> beam.Create(range(self._num_shards))
                  | 'WriteShard' >> beam.ParDo(self._write, beam.pvalue.AsSingleton(layout)))
        indexes = [shards
                   | 'MDSShards' >> beam.Filter(lambda shard: shard[0] == 'mds')
                   | 'MDSShardInfos' >> beam.Values()
                   | 'AllMDSShards' >> beam.combiners.ToList()
                   | 'WriteMDSIndex' >> beam.Map(write_index) for write_index in self._mds_index]
        return (shards, *indexes) | 'WithIndex' >> beam.Flatten()
