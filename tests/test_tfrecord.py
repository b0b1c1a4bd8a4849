"""The hand-written Example encoder and TFRecord framing, checked by protobuf and Beam's reader."""
import io

from tests.example_proto import parse_example, read_tfrecord_file
from wwm import tfrecord


def test_encoder_agrees_with_protobuf_for_every_value_range():
    ints = [0, 1, 127, 128, 16383, 16384, 65535, 65536, 70000, 2 ** 40, -1, -(2 ** 40)]
    floats = [0.0, 1.0, 0.5, -2.25]
    data = tfrecord.encode_example([('a', 'int64', ints), ('b', 'float32', floats)])
    assert parse_example(data) == {'a': ('int64_list', ints), 'b': ('float_list', floats)}
    assert tfrecord.decode_example(data) == {'a': ints, 'b': floats}


def test_framing_is_read_by_beam_and_checksums_are_verified(tmp_path):
    records = [b'', b'x', b'hello' * 1000]
    path = tmp_path / 'f.tfrecord'
    path.write_bytes(b''.join(tfrecord.frame_record(r) for r in records))
    assert read_tfrecord_file(str(path)) == records
    assert list(tfrecord.read_records(io.BytesIO(path.read_bytes()))) == records
    corrupted = bytearray(path.read_bytes())
    corrupted[20] ^= 0xFF
    try:
        list(tfrecord.read_records(io.BytesIO(bytes(corrupted))))
    except ValueError as error:
        assert 'checksum' in str(error)
    else:
        raise AssertionError('corruption not detected')
