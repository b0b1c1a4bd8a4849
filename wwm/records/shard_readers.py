"""Shard files of any output format read back as unpadded TrainingInstances.

The one reader behind inspection and the PyTorch dataset: a TFRecord example loses its padding
(its ``input_mask`` and ``masked_lm_weights`` say how much), an Arrow, Parquet or MDS row is
already unpadded. The masking mode shows in which features or columns a file has.

An MDS shard is parsed here (MDS's layout: sample count, offsets, the writer's config as JSON,
then each sample's sizes and columns), without MosaicML streaming; its list columns are bytes whose
item types only the dataset's manifest gives (wwm/records/shard_writers.py says why).
"""
import json
import posixpath
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from schemas.records import TrainingInstance
from wwm import filesystems
from schemas.output_layout import MANIFEST_NAME, MDS_INDEX_NAME
from wwm.records import tfrecord


def _from_example(features: dict) -> TrainingInstance:
    length = sum(features['input_mask'])
    if 'masked_lm_weights' in features:
        predictions = int(sum(features['masked_lm_weights']))
        return TrainingInstance(
            features['input_ids'][:length], features['segment_ids'][:length],
            features['next_sentence_labels'][0], features['masked_lm_positions'][:predictions],
            features['masked_lm_ids'][:predictions], [], [])
    return TrainingInstance(
        features['input_ids'][:length], features['segment_ids'][:length],
        features['next_sentence_labels'][0], [], [], features['word_ids'][:length],
        features['chinese_ref'])


def _from_rows(table: pa.Table) -> Iterator[TrainingInstance]:
    columns = table.to_pydict()
    for row in range(table.num_rows):
        yield TrainingInstance(**{name: columns[name][row] if name in columns else []
                                  for name in TrainingInstance._fields})


def _read_tfrecord(path: str) -> Iterator[TrainingInstance]:
    compression = filesystems.GZIP if path.endswith('.gz') else filesystems.UNCOMPRESSED
    with filesystems.open_read(path, compression) as handle:
        for record in tfrecord.read_records(handle):
            yield _from_example(tfrecord.decode_example(record))


def _read_arrow(path: str) -> Iterator[TrainingInstance]:
    with filesystems.open_read(path, filesystems.UNCOMPRESSED) as handle:
        reader = pa.ipc.open_file(handle)
        for index in range(reader.num_record_batches):
            yield from _from_rows(pa.Table.from_batches([reader.get_batch(index)]))


def _read_parquet(path: str) -> Iterator[TrainingInstance]:
    with filesystems.open_read(path, filesystems.UNCOMPRESSED) as handle:
        parquet = pq.ParquetFile(handle)
        for index in range(parquet.num_row_groups):
            yield from _from_rows(parquet.read_row_group(index))


def _read_bytes(path: str) -> bytes:
    with filesystems.open_read(path, filesystems.UNCOMPRESSED) as handle:
        return handle.read()


def _mds_item_types(path: str) -> dict:
    """column -> numpy item type of each list column of the MDS shard at ``path``, from the
    manifest beside it."""
    manifest = json.loads(_read_bytes(posixpath.join(posixpath.dirname(path), MANIFEST_NAME)))
    return {column['name']: np.dtype(column['type'][len('list<item: '):-1]).newbyteorder('<')
            for column in manifest['formats']['mds']['schema'] if column['type'].startswith('list<')}


def _uint32s(data: bytes, start: int, count: int) -> np.ndarray:
    if start + 4 * count > len(data):
        raise ValueError('MDS shard truncated at byte %d' % len(data))
    return np.frombuffer(data, '<u4', count, start).astype(np.int64)


def _mds_sample(data: bytes, start: int, end: int, config: dict, types: dict) -> TrainingInstance:
    """One sample: uint32 sizes of its variable-size columns, then the columns in config order."""
    sizes = iter(_uint32s(data, start, config['column_sizes'].count(None)))
    position = start + 4 * config['column_sizes'].count(None)
    values = {}
    for name, size in zip(config['column_names'], config['column_sizes']):
        size = next(sizes) if size is None else size
        raw = data[position:position + size]
        values[name] = (np.frombuffer(raw, types[name]).tolist() if name in types
                        else int(np.frombuffer(raw, '<i4')[0]))
        position += size
    if position != end:
        raise ValueError('MDS sample at byte %d has %d bytes, its offsets say %d' % (start, position - start, end - start))
    return TrainingInstance(**{name: values.get(name, []) for name in TrainingInstance._fields})


def _read_mds(path: str) -> Iterator[TrainingInstance]:
    """The samples of an MDS shard; the dataset's index.json holds none and is only parsed."""
    data = _read_bytes(path)
    if posixpath.basename(path) == MDS_INDEX_NAME:
        if not isinstance(json.loads(data).get('shards'), list):
            raise ValueError('%s lists no shards' % MDS_INDEX_NAME)
        return
    types = _mds_item_types(path)
    (count,) = _uint32s(data, 0, 1)
    offsets = _uint32s(data, 4, count + 1)
    config = json.loads(data[4 * (count + 2):offsets[0]])
    if offsets[-1] != len(data):
        raise ValueError('MDS shard has %d bytes, its offsets say %d' % (len(data), offsets[-1]))
    for start, end in zip(offsets[:-1], offsets[1:]):
        yield _mds_sample(data, start, end, config, types)


_READERS = {'tfrecord': _read_tfrecord, 'arrow': _read_arrow, 'parquet': _read_parquet,
            'mds': _read_mds}


def read_instances(path: str, output_format: str) -> Iterator[TrainingInstance]:
    """The instances of one shard, in file order. Raises ValueError or OSError on a damaged file."""
    return _READERS[output_format](path)
