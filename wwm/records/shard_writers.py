"""A shard's file in each output format, written from the shard's sorted run files, one run at a
time, with bounded memory.

Every format of a dataset is written from the same runs (see transforms/write_shards.py), so the
formats hold the same instances in the same order:

- tfrecord: schemas/bert_features.py, framed by wwm/records/tfrecord.py, optionally GZIP (what TensorFlow
  reads; it has no zstd).
- arrow: an Arrow IPC file with zstd-compressed buffers, one record batch per ``BATCH_ROWS``.
- parquet: zstd, one row group per ``BATCH_ROWS``.
- mds: MosaicML streaming's MDS shard, uncompressed, one file per shard of ours, encoded by its
  MDSWriter; the dataset's index.json lists them all (mds_index). Needs the [mds] extra.

Arrow and Parquet rows follow schemas/instance_columns.py, token ids in the narrowest type the
vocab allows (TFRecord keeps int64, BERT's contract). Beam's ``WriteToParquet`` is not used: it
neither puts chosen records in a chosen shard nor keeps their order, and Beam has no Arrow IPC sink.
"""
import array
import functools
import hashlib
import itertools
import json
import shutil
import struct
import sys
import tempfile
import zlib
from typing import NamedTuple, Optional

import pyarrow as pa
import pyarrow.parquet as pq

from schemas.instance_columns import arrow_schema
from wwm.records import tfrecord
from wwm.records.packed_instances import LIST_FIELDS, run_columns

OUTPUT_FORMATS = ('tfrecord', 'arrow', 'parquet', 'mds')
MDS_INSTALL = "pip install 'zh-wwm-data[mds]'"   # what --output_format mds needs
TFRECORD_COMPRESSIONS = ('none', 'gzip')
BATCH_ROWS = 4096
COPY_CHUNK_BYTES = 1 << 20   # an MDS shard's samples, from its temporary file to the sink
_GZIP_LEVEL = 6


class OutputSpec(NamedTuple):
    """One output format of a dataset and what its files need to know about the instances."""
    output_format: str
    compression: str            # tfrecord: 'none' or 'gzip'; arrow and parquet: 'zstd'; mds: 'none'
    masking: str                # 'static' or 'dynamic'
    max_seq_length: int
    max_predictions_per_seq: int
    vocab_size: Optional[int] = None    # types the columnar and MDS id columns (instance_columns.id_type)

    @property
    def extension(self) -> str:
        return 'tfrecord.gz' if self.compression == 'gzip' else self.output_format


def output_specs(formats, tfrecord_compression: str, masking: str, max_seq_length: int,
                 max_predictions_per_seq: int, vocab_size: Optional[int] = None) -> list:
    compressions = {'tfrecord': tfrecord_compression, 'mds': 'none'}
    return [OutputSpec(name, compressions.get(name, 'zstd'), masking, max_seq_length,
                       max_predictions_per_seq, vocab_size) for name in formats]


class DigestingSink:
    """A binary file wrapper that counts and hashes what is written, for the manifest."""

    def __init__(self, handle):
        self._handle = handle
        self._sha256 = hashlib.sha256()
        self.num_bytes = 0
        self.closed = False

    def write(self, data) -> int:
        data = bytes(data)
        self._handle.write(data)
        self._sha256.update(data)
        self.num_bytes += len(data)
        return len(data)

    def tell(self) -> int:
        return self.num_bytes

    def flush(self) -> None:
        self._handle.flush()

    def hexdigest(self) -> str:
        return self._sha256.hexdigest()


class _TFRecordWriter:
    """Takes a run's bytes whole: its records are encoded and framed in one call (tfrecord.framed_run)."""

    def __init__(self, spec: OutputSpec, sink):
        self._sink = sink
        self._frame = functools.partial(tfrecord.framed_run, masking=spec.masking,
                                        max_seq_length=spec.max_seq_length,
                                        max_predictions_per_seq=spec.max_predictions_per_seq)
        # wbits 31: a gzip stream whose header has no name and mtime 0, so bytes are reproducible.
        self._gzip = zlib.compressobj(_GZIP_LEVEL, zlib.DEFLATED, 31) if spec.compression == 'gzip' else None

    def write_run(self, run: '_Run') -> int:
        framed, records = self._frame(run.data)
        self._sink.write(self._gzip.compress(framed) if self._gzip else framed)
        return records

    def close(self) -> None:
        if self._gzip:
            self._sink.write(self._gzip.flush())


class _ColumnarWriter:
    """Takes a run whole, as Arrow columns built on its int32 buffers and cast to the schema's id
    type (_Run.table, shared by the Arrow, Parquet and MDS files of a shard), and hands the format's
    writer batches of exactly BATCH_ROWS rows (the last one shorter), wherever the runs begin and end."""

    def __init__(self, spec: OutputSpec, sink):
        self._schema = arrow_schema(spec.masking, spec.vocab_size)
        self._pending = []      # tables of runs not yet written, in order
        self._rows = 0
        self._writer = self._open(sink)

    def _open(self, sink):
        raise NotImplementedError

    def _write_table(self, table: pa.Table) -> None:
        raise NotImplementedError

    def write_run(self, run: '_Run') -> int:
        table = run.table(self._schema)
        self._pending.append(table)
        self._rows += table.num_rows
        while self._rows >= BATCH_ROWS:
            self._write_rows(BATCH_ROWS)
        return table.num_rows

    def _write_rows(self, rows: int) -> None:
        table = pa.concat_tables(self._pending)
        self._pending = [table.slice(rows)] if rows < table.num_rows else []
        self._rows -= rows
        # Concatenated, not just sliced: fresh zero-based buffers, which the IPC writer serializes
        # as it does pyarrow's own arrays (a slice keeps its offset and its buffers' other bytes).
        batch = table.slice(0, rows)
        self._write_table(pa.Table.from_arrays([pa.concat_arrays(column.chunks) for column in batch.columns],
                                               schema=self._schema))

    def close(self) -> None:
        if self._rows:
            self._write_rows(self._rows)
        self._writer.close()


class _Run:
    """A run's bytes, and its rows as an Arrow table made once for all the columnar formats."""

    def __init__(self, data):
        self.data = data
        self._tables = {}

    def table(self, schema: pa.Schema) -> pa.Table:
        if schema not in self._tables:
            records, labels, lists = run_columns(self.data)
            columns = dict(zip(LIST_FIELDS, (_list_array(records, *pair) for pair in lists)))
            columns['next_sentence_label'] = _int32_array(records, labels)
            # A checked cast to the schema's id type: an id the type cannot hold raises, never wraps.
            self._tables[schema] = pa.Table.from_arrays(
                [columns[field.name].cast(field.type) for field in schema], schema=schema)
        return self._tables[schema]


def _int32_array(length: int, data: bytes) -> pa.Array:
    return pa.Array.from_buffers(pa.int32(), length, [None, pa.py_buffer(data)])


def _list_array(records: int, values: bytes, offsets: bytes) -> pa.Array:
    return pa.ListArray.from_arrays(_int32_array(records + 1, offsets),
                                    _int32_array(len(values) // 4, values))


class _ArrowWriter(_ColumnarWriter):
    def _open(self, sink):
        return pa.ipc.new_file(sink, self._schema, options=pa.ipc.IpcWriteOptions(compression='zstd'))

    def _write_table(self, table: pa.Table) -> None:
        self._writer.write_table(table)


class _ParquetWriter(_ColumnarWriter):
    def _open(self, sink):
        return pq.ParquetWriter(sink, self._schema, compression='zstd')

    def _write_table(self, table: pa.Table) -> None:
        self._writer.write_table(table, row_group_size=BATCH_ROWS)


def mds_available() -> bool:
    """Whether MosaicML streaming (the [mds] extra) can be imported, for --output_format mds."""
    try:
        import streaming   # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
    except ImportError:
        return False
    return True


def _mds_columns(schema: pa.Schema) -> dict:
    """MDS encodings of the columns: a list as 'bytes', its items little-endian in the schema's type
    (MDS's ndarray encoding refuses empty arrays, and a row may have no masked positions or no
    chinese_ref), the label as 'int32'."""
    return {field.name: 'bytes' if pa.types.is_list(field.type) else str(field.type) for field in schema}


class _MDSWriter:
    """Encodes rows with MosaicML streaming's MDSWriter (encode_sample) and writes the shard as its
    encode_joint_shard lays one out: the sample count, every sample's offset, the writer's config,
    then the samples. Its own file writing is not used: it names files shard.00000.mds by a counter
    of its own and writes an index.json per writer, where a dataset has our shard names (one per
    worker's shard), sinks that hash what they write, and one index (mds_index). Nor is
    encode_joint_shard, which holds the whole shard in memory: the samples go to a local temporary
    file as they are encoded, and only their sizes (4 bytes a sample) stay in memory, so a worker's
    memory does not grow with the shard. The offsets are uint32: a shard must stay under 4 GiB."""

    def __init__(self, spec: OutputSpec, sink):
        from streaming import MDSWriter   # pylint: disable=import-outside-toplevel
        self._schema = arrow_schema(spec.masking, spec.vocab_size)
        self._sink = sink
        self._folder = tempfile.TemporaryDirectory()     # MDSWriter wants one; nothing is written there
        self._writer = MDSWriter(columns=_mds_columns(self._schema), out=self._folder.name,
                                 size_limit=None)
        self._samples = tempfile.TemporaryFile()
        self._sizes = array.array('I')

    def write_run(self, run: '_Run') -> int:
        table = run.table(self._schema)
        columns = [_mds_column(table.column(name).combine_chunks()) for name in self._schema.names]
        for row in range(table.num_rows):
            sample = self._writer.encode_sample({name: value(row)
                                                 for name, value in zip(self._schema.names, columns)})
            self._samples.write(sample)
            self._sizes.append(len(sample))
        return table.num_rows

    def close(self) -> None:
        self._writer.cancel_future_jobs()
        self._folder.cleanup()
        config = self._writer.config_data
        header_bytes = 4 * (len(self._sizes) + 2) + len(config)
        if header_bytes + sum(self._sizes) >= 1 << 32:
            raise ValueError('an MDS shard of %d bytes is past the 4 GiB its uint32 offsets hold: use '
                             'more --num_shards' % (header_bytes + sum(self._sizes)))
        offsets = array.array('I', itertools.accumulate(self._sizes, initial=header_bytes))
        if sys.byteorder != 'little':
            offsets.byteswap()
        self._sink.write(struct.pack('<I', len(self._sizes)) + offsets.tobytes() + config)
        self._samples.seek(0)
        shutil.copyfileobj(self._samples, self._sink, COPY_CHUNK_BYTES)
        self._samples.close()


def _mds_column(column: pa.Array):
    """row -> the row's value as MDSWriter takes it: a list's items as little-endian bytes, or
    the label as an int."""
    if not pa.types.is_list(column.type):
        labels = column.to_pylist()
        return labels.__getitem__
    values = column.values.to_numpy()
    values = values.astype(values.dtype.newbyteorder('<'), copy=False)
    offsets = column.offsets.to_numpy()
    return lambda row: values[offsets[row]:offsets[row + 1]].tobytes()


def mds_index(masking: str, vocab_size, shards) -> bytes:
    """index.json of an MDS dataset, as MDSWriter writes it (version 2, one entry per shard with
    its samples, file and the writer's config), for ``shards`` (ShardInfo) in shard order."""
    from streaming import MDSWriter   # pylint: disable=import-outside-toplevel
    with tempfile.TemporaryDirectory() as folder:
        writer = MDSWriter(columns=_mds_columns(arrow_schema(masking, vocab_size)), out=folder,
                           size_limit=None)
        config = writer.get_config()
        writer.cancel_future_jobs()
    entries = [dict(config, samples=shard.records, zip_data=None,
                    raw_data={'basename': shard.file_name, 'bytes': shard.num_bytes, 'hashes': {}})
               for shard in shards]
    return json.dumps({'version': 2, 'shards': entries}, sort_keys=True).encode('utf-8')


_WRITERS = {'tfrecord': _TFRecordWriter, 'arrow': _ArrowWriter, 'parquet': _ParquetWriter,
            'mds': _MDSWriter}


class ShardFiles:
    """One shard's writer per spec (each to its sink), fed the shard's run files in order."""

    def __init__(self, specs, sinks):
        self._writers = [_WRITERS[spec.output_format](spec, sink) for spec, sink in zip(specs, sinks)]

    def write_run(self, data) -> int:
        """A whole run file's bytes (external_sort.write_run of shard records) to every file;
        returns how many records it held."""
        run = _Run(data)
        (count,) = {writer.write_run(run) for writer in self._writers}   # every format read the same records
        return count

    def close(self) -> None:
        for writer in self._writers:
            writer.close()
