"""``tf.train.Example`` encoding and TFRecord framing, without TensorFlow.

Written by hand because TensorFlow is a 500 MB dependency for a few lines of protobuf wire format,
and because protobuf does not promise an order for map entries: features are written in the spec's
fixed order (by wwm.native.kernels.encode_example, in C where it was built), so the same instance always
gives the same bytes. Framing per record:
uint64 length, masked crc32c of the length, data, masked crc32c of the data.
"""
import functools
import struct
from typing import Dict, Iterator, List, Tuple

import google_crc32c

from wwm.native import kernels
from wwm.records.balanced_shards import record_payload
from wwm.records.bert_padding import feature_layout, unpadded_features
from wwm.records.external_sort import split_run
from wwm.records.packed_instances import LIST_FIELDS, unpack_instance

_KINDS = {'int64': kernels.INT64_LIST, 'float32': kernels.FLOAT_LIST}
# frame_run's plan: where each feature's values come from (see _run_plan).
_SOURCE_LABEL, _SOURCE_ONES = 100, 200
_ONES_OF = {'input_mask': 'input_ids', 'masked_lm_weights': 'masked_lm_positions'}
_MASK_DELTA = 0xA282EAD8


def encode_example(features: List[Tuple[str, str, list]]) -> bytes:
    """Serialize (name, dtype, values) triples as a tf.train.Example, in the given order."""
    return kernels.encode_example([(name.encode(), _KINDS[dtype], values, 0, 0)
                                   for name, dtype, values in features])


def masked_crc32c(data: bytes) -> int:
    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def frame_record(data: bytes) -> bytes:
    """One TFRecord: length, its masked crc, data, its masked crc."""
    length = struct.pack('<Q', len(data))
    return (length + struct.pack('<I', masked_crc32c(length)) + data
            + struct.pack('<I', masked_crc32c(data)))


def read_records(handle) -> Iterator[bytes]:
    """Records of a TFRecord stream, with both checksums verified."""
    while True:
        header = handle.read(12)
        if not header:
            return
        if len(header) < 12:
            raise ValueError('truncated TFRecord header')
        length, length_crc = struct.unpack('<QI', header)
        if masked_crc32c(header[:8]) != length_crc:
            raise ValueError('TFRecord length checksum mismatch')
        data = handle.read(length)
        footer = handle.read(4)
        if len(data) < length or len(footer) < 4:
            raise ValueError('truncated TFRecord')
        if masked_crc32c(data) != struct.unpack('<I', footer)[0]:
            raise ValueError('TFRecord data checksum mismatch')
        yield data


def _read_varint(data: bytes, pos: int) -> Tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(data: bytes) -> Iterator[Tuple[int, bytes]]:
    """(field number, payload) of each length-delimited field of a message."""
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        if key & 7 != 2:
            raise ValueError('unexpected wire type %d' % (key & 7))
        size, pos = _read_varint(data, pos)
        yield key >> 3, data[pos:pos + size]
        pos += size


def decode_example(data: bytes) -> Dict[str, list]:
    """name -> values of a serialized tf.train.Example with int64 and float lists (for inspection)."""
    features = {}
    for _, entries in _fields(data):
        for _, entry in _fields(entries):
            parts = dict(_fields(entry))
            name = parts[1].decode()
            kind, payload = next(_fields(parts[2]))
            packed = dict(_fields(payload)).get(1, b'')
            if kind == kernels.FLOAT_LIST:
                features[name] = list(struct.unpack('<%df' % (len(packed) // 4), packed))
            else:
                values, pos = [], 0
                while pos < len(packed):
                    value, pos = _read_varint(packed, pos)
                    values.append(value - (1 << 64) if value >= 1 << 63 else value)
                features[name] = values
    return features


def encode_instance(instance, masking: str, max_seq_length: int, max_predictions_per_seq: int) -> bytes:
    """A TrainingInstance as the masking mode's feature set (schemas/bert_features.py), padded."""
    return kernels.encode_example([(spec.name.encode(), _KINDS[spec.dtype], values, spec.padding, padding)
                                   for spec, values, padding in unpadded_features(
                                       instance, masking, max_seq_length, max_predictions_per_seq)])


@functools.lru_cache(maxsize=None)
def _run_plan(masking: str, max_seq_length: int, max_predictions_per_seq: int) -> tuple:
    """The feature set of encode_instance as kernels.frame_run takes it: (name, kind, source,
    padding, fixed length or -1) per feature, where the source is a list of the packed instance,
    the label, or a 1 for each value of a list (the input mask, the prediction weights)."""
    plan = []
    for spec, length in feature_layout(masking, max_seq_length, max_predictions_per_seq):
        if spec.name == 'next_sentence_labels':
            source = _SOURCE_LABEL
        elif spec.name in _ONES_OF:
            source = _SOURCE_ONES + LIST_FIELDS.index(_ONES_OF[spec.name])
        else:
            source = LIST_FIELDS.index(spec.name)
        plan.append((spec.name.encode(), _KINDS[spec.dtype], source,
                     float(spec.padding) if spec.dtype == 'float32' else spec.padding,
                     -1 if length is None else length))
    return tuple(plan)


def py_framed_run(data, masking: str, max_seq_length: int, max_predictions_per_seq: int) -> Tuple[bytes, int]:
    """The reference of framed_run: each record unpacked, encoded and framed on its own."""
    framed = [frame_record(encode_instance(unpack_instance(record_payload(record)), masking,
                                           max_seq_length, max_predictions_per_seq))
              for record in split_run(data)]
    return b''.join(framed), len(framed)


def framed_run(data, masking: str, max_seq_length: int, max_predictions_per_seq: int) -> Tuple[bytes, int]:
    """(TFRecords, records) of a whole run file's bytes (external_sort.write_run of shard records):
    what frame_record(encode_instance(...)) gives for each of its instances, joined, in one call
    to C where the extension was built (0.16 M seq-128 records a second in Python: unpacked into
    lists, encoded, framed and checksummed one at a time)."""
    if kernels.compiled is None:
        return py_framed_run(data, masking, max_seq_length, max_predictions_per_seq)
    framed, consumed, records = kernels.compiled.frame_run(
        data, _run_plan(masking, max_seq_length, max_predictions_per_seq), len(LIST_FIELDS))
    if consumed != len(data):
        raise ValueError('truncated run: %d bytes after the last record' % (len(data) - consumed))
    return framed, records
