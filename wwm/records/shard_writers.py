"""A shard's file in each output format, written from the shard's sorted run files, one run at a
time, with bounded memory.

Every format of a dataset is written from the same runs (see transforms/write_shards.py), so the
formats hold the same instances in the same order:

- tfrecord: schemas/bert_features.py, framed by wwm/records/tfrecord.py, optionally GZIP (what TensorFlow
  reads; it has no zstd).
- arrow: an Arrow IPC file with zstd-compressed buffers, one record batch per ``BATCH_ROWS``.
- parquet: zstd, one row group per ``BATCH_ROWS``.

Arrow and Parquet rows follow schemas/instance_columns.py. Beam's ``WriteToParquet`` is not used: it
neither puts chosen records in a chosen shard nor keeps their order, and Beam has no Arrow IPC sink.
"""
import functools
import hashlib
import zlib
from typing import NamedTuple

import pyarrow as pa
import pyarrow.parquet as pq

from schemas.instance_columns import arrow_schema
from wwm.records import tfrecord
from wwm.records.packed_instances import LIST_FIELDS, run_columns

OUTPUT_FORMATS = ('tfrecord', 'arrow', 'parquet')
TFRECORD_COMPRESSIONS = ('none', 'gzip')
BATCH_ROWS = 4096
_GZIP_LEVEL = 6


class OutputSpec(NamedTuple):
    """One output format of a dataset and what its files need to know about the instances."""
    output_format: str
    compression: str            # tfrecord: 'none' or 'gzip'; arrow and parquet: 'zstd'
    masking: str                # 'static' or 'dynamic'
    max_seq_length: int
    max_predictions_per_seq: int

    @property
    def extension(self) -> str:
        return 'tfrecord.gz' if self.compression == 'gzip' else self.output_format


def output_specs(formats, tfrecord_compression: str, masking: str, max_seq_length: int,
                 max_predictions_per_seq: int) -> list:
    return [OutputSpec(name, tfrecord_compression if name == 'tfrecord' else 'zstd', masking,
                       max_seq_length, max_predictions_per_seq) for name in formats]


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
    """Takes a run whole, as Arrow columns built on its int32 buffers (_Run.table, shared by the
    Arrow and Parquet files of a shard), and hands the format's writer batches of exactly BATCH_ROWS
    rows (the last one shorter), wherever the runs begin and end."""

    def __init__(self, spec: OutputSpec, sink):
        self._schema = arrow_schema(spec.masking)
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
            self._tables[schema] = pa.Table.from_arrays([columns[name] for name in schema.names],
                                                        schema=schema)
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


_WRITERS = {'tfrecord': _TFRecordWriter, 'arrow': _ArrowWriter, 'parquet': _ParquetWriter}


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
