"""``tf.train.Example`` encoding and TFRecord framing, without TensorFlow.

Written by hand because TensorFlow is a 500 MB dependency for a few lines of protobuf wire format,
and because protobuf does not promise an order for map entries: features are written here in the
spec's fixed order, so the same instance always gives the same bytes. Framing per record:
uint64 length, masked crc32c of the length, data, masked crc32c of the data.
"""
import struct
from typing import Dict, Iterator, List, Tuple

import google_crc32c

from wwm.bert_padding import unpadded_features
from wwm.kernels import packed_varints

_INT64_LIST = 3
_FLOAT_LIST = 2
_MASK_DELTA = 0xA282EAD8


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    return packed_varints((number << 3 | 2, len(payload))) + payload


def _entry(name: str, dtype: str, values, padding=0, padding_count: int = 0) -> bytes:
    """One map entry of Features: the name and a list of ``values`` then ``padding_count`` times
    ``padding``."""
    if dtype == 'int64':
        kind, packed = _INT64_LIST, packed_varints(values) + packed_varints([padding]) * padding_count
    else:
        kind = _FLOAT_LIST
        packed = struct.pack('<%df' % (len(values) + padding_count), *values, *[padding] * padding_count)
    return _field(1, _field(1, name.encode()) + _field(2, _field(kind, _field(1, packed))))


def encode_example(features: List[Tuple[str, str, list]]) -> bytes:
    """Serialize (name, dtype, values) triples as a tf.train.Example, in the given order."""
    return _field(1, b''.join(_entry(name, dtype, values) for name, dtype, values in features))


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
            if kind == _FLOAT_LIST:
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
    features = unpadded_features(instance, masking, max_seq_length, max_predictions_per_seq)
    return _field(1, b''.join(_entry(spec.name, spec.dtype, values, spec.padding, padding)
                              for spec, values, padding in features))
