"""Arrow and Parquet shards written from whole runs: the columns of run_columns (C) against its
Python reference, and the files against those pyarrow writes from the instances' own lists."""
import io
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from schemas.instance_columns import ID_COLUMNS, arrow_schema, id_type
from schemas.records import TrainingInstance
from wwm.native import kernels
from wwm.records import packed_instances
from wwm.records import shard_readers, shard_writers
from wwm.records.balanced_shards import shard_record
from wwm.records.external_sort import write_run
from wwm.records.packed_instances import pack_instance


def _instance(rng, masking, max_seq_length):
    """Ids across the packed types that int32 holds, the longest and the shortest lists."""
    length = rng.choice([1, 3, max_seq_length, rng.randint(1, max_seq_length)])
    ids = [rng.choice([rng.randint(0, 255), rng.randint(0, 70000), rng.randint(0, 2 ** 31 - 1)])
           for _ in range(length)]
    segments = [rng.randint(0, 1) for _ in range(length)]
    label = rng.choice([0, 1])
    if masking == 'static':
        positions = sorted(rng.sample(range(length), min(length, rng.choice([0, 1, 20]))))
        return TrainingInstance(ids, segments, label, positions, [rng.randint(0, 70000) for _ in positions],
                                [], [])
    words = [rng.choice([-1, rng.randint(0, 300), rng.randint(0, 40000)]) for _ in range(length)]
    return TrainingInstance(ids, segments, label, [], [], words,
                            sorted(rng.sample(range(length), rng.randint(0, length))))


def _run(instances, first=0) -> bytes:
    handle = io.BytesIO()
    write_run(handle, [shard_record((first + index) * 7919, ('f.txt:%d' % (first + index), 0, index),
                                    pack_instance(instance)) for index, instance in enumerate(instances)])
    return handle.getvalue()


@pytest.mark.skipif(kernels.compiled is None, reason='wwm.native._kernels is not built')
@pytest.mark.parametrize('masking', ['static', 'dynamic'])
@pytest.mark.parametrize('max_seq_length', [8, 128, 512])
def test_run_columns_in_c_are_the_reference(masking, max_seq_length):
    rng = random.Random(max_seq_length)
    data = _run([_instance(rng, masking, max_seq_length) for _ in range(300)])
    records, labels, lists = packed_instances.run_columns(data)
    assert (records, labels, lists) == packed_instances.py_run_columns(data)
    assert records == 300 and len(lists) == len(packed_instances.LIST_FIELDS)
    assert packed_instances.run_columns(b'') == packed_instances.py_run_columns(b'')


def test_run_columns_refuse_truncated_runs_and_values_int32_cannot_hold(monkeypatch):
    good = _run([TrainingInstance([1, 2], [0, 1], 0, [1], [2], [], [])])
    wide = _run([TrainingInstance([1, 2 ** 31], [0, 1], 0, [1], [2], [], [])])
    for compiled in {kernels.compiled, None}:
        monkeypatch.setattr(kernels, 'compiled', compiled)
        with pytest.raises(ValueError, match='truncated'):
            packed_instances.run_columns(good[:-1])
        with pytest.raises(ValueError, match='int32'):
            packed_instances.run_columns(wide)


def _expected_file(output_format, masking, instances, batch_rows) -> bytes:
    """The file as pyarrow writes it from each batch's Python lists (the writers' former path)."""
    schema = arrow_schema(masking)
    sink = shard_writers.DigestingSink(io.BytesIO())
    if output_format == 'arrow':
        writer = pa.ipc.new_file(sink, schema, options=pa.ipc.IpcWriteOptions(compression='zstd'))
    else:
        writer = pq.ParquetWriter(sink, schema, compression='zstd')
    for start in range(0, len(instances), batch_rows):
        batch = instances[start:start + batch_rows]
        table = pa.table({name: [getattr(i, name) for i in batch] for name in schema.names}, schema=schema)
        if output_format == 'arrow':
            writer.write_table(table)
        else:
            writer.write_table(table, row_group_size=batch_rows)
    writer.close()
    return sink._handle.getvalue()


@pytest.mark.parametrize('compiled', ['c', 'python'])
@pytest.mark.parametrize('masking', ['static', 'dynamic'])
def test_columnar_shards_are_batches_of_the_instances_across_runs(monkeypatch, masking, compiled):
    if compiled == 'python':
        monkeypatch.setattr(kernels, 'compiled', None)
    elif kernels.compiled is None:
        pytest.skip('wwm.native._kernels is not built')
    monkeypatch.setattr(shard_writers, 'BATCH_ROWS', 7)
    rng = random.Random(3)
    sizes = [5, 9, 0, 14, 1, 3]   # runs ending before, across and on batch boundaries
    instances = [_instance(rng, masking, 64) for _ in range(sum(sizes))]
    runs, first = [], 0
    for size in sizes:
        runs.append(_run(instances[first:first + size], first))
        first += size
    formats = ['arrow', 'parquet']
    sinks = [shard_writers.DigestingSink(io.BytesIO()) for _ in formats]
    files = shard_writers.ShardFiles(shard_writers.output_specs(formats, 'none', masking, 64, 20), sinks)
    assert [files.write_run(run) for run in runs] == sizes
    files.close()
    for output_format, sink in zip(formats, sinks):
        written = sink._handle.getvalue()
        assert written == _expected_file(output_format, masking, instances, 7), output_format
    table = pa.ipc.open_file(io.BytesIO(sinks[0]._handle.getvalue())).read_all()
    assert table.column('input_ids').to_pylist() == [i.input_ids for i in instances]


@pytest.mark.parametrize('vocab_size, expected', [(21128, pa.int16()), (1 << 15, pa.int16()),
                                                  ((1 << 15) + 1, pa.int32()), (70000, pa.int32()),
                                                  (None, pa.int32())])
def test_token_ids_take_the_narrowest_signed_type_the_vocab_allows(vocab_size, expected):
    assert id_type(vocab_size) == expected
    schema = arrow_schema('static', vocab_size)
    assert [schema.field(name).type for name in ID_COLUMNS] == [pa.list_(expected)] * 2
    assert schema.field('segment_ids').type == pa.list_(pa.int32())   # not a vocab id


def _small_vocab_instance(rng, masking):
    """An instance of a 21,128-entry vocab (Google's Chinese one): every id below 21128."""
    instance = _instance(rng, masking, 64)
    positions = instance.masked_lm_positions
    return instance._replace(input_ids=[i % 21128 for i in instance.input_ids],
                             masked_lm_ids=[rng.randint(0, 21127) for _ in positions])


@pytest.mark.parametrize('masking', ['static', 'dynamic'])
def test_arrow_and_parquet_store_ids_of_a_small_vocab_as_int16_with_the_same_values(masking, tmp_path):
    rng = random.Random(5)
    instances = [_small_vocab_instance(rng, masking) for _ in range(30)]
    formats = ['arrow', 'parquet']
    specs = shard_writers.output_specs(formats, 'none', masking, 64, 20, vocab_size=21128)
    paths = [tmp_path / ('shard.' + name) for name in formats]
    handles = [open(path, 'wb') for path in paths]
    files = shard_writers.ShardFiles(specs, [shard_writers.DigestingSink(h) for h in handles])
    files.write_run(_run(instances))
    files.close()
    for handle in handles:
        handle.close()
    tables = [pa.ipc.open_file(pa.memory_map(str(paths[0]))).read_all(), pq.read_table(paths[1])]
    id_columns = [name for name in ID_COLUMNS if name in tables[0].schema.names]
    for output_format, path, table in zip(formats, paths, tables):
        assert [table.schema.field(name).type for name in id_columns] == [pa.list_(pa.int16())] * len(id_columns)
        assert list(shard_readers.read_instances(str(path), output_format)) == instances


def test_an_id_the_narrow_type_cannot_hold_raises_rather_than_wrapping():
    specs = shard_writers.output_specs(['parquet'], 'none', 'static', 8, 2, vocab_size=100)
    files = shard_writers.ShardFiles(specs, [shard_writers.DigestingSink(io.BytesIO())])
    with pytest.raises(pa.ArrowInvalid, match='40000'):
        files.write_run(_run([TrainingInstance([1, 40000], [0, 0], 0, [1], [40000], [], [])]))
