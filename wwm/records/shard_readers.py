"""Shard files of any output format read back as unpadded TrainingInstances.

The one reader behind inspection and the PyTorch dataset: a TFRecord example loses its padding
(its ``input_mask`` and ``masked_lm_weights`` say how much), an Arrow or Parquet row is already
unpadded. The masking mode shows in which features or columns a file has.
"""
from typing import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from schemas.records import TrainingInstance
from wwm import filesystems
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


_READERS = {'tfrecord': _read_tfrecord, 'arrow': _read_arrow, 'parquet': _read_parquet}


def read_instances(path: str, output_format: str) -> Iterator[TrainingInstance]:
    """The instances of one shard, in file order. Raises ValueError or OSError on a damaged file."""
    return _READERS[output_format](path)
