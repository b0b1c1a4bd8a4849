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
    # Lists within one or two varint bytes take shortcuts: check them against protobuf too.
    lists = {'one_byte': [0, 1, 127], 'two_bytes': [0, 128, 255], 'two_or_three': [3, 16383, 16384],
             'table': [5, 16384, 65535], 'negative': [-1, 0, 5], 'none': []}
    data = tfrecord.encode_example([(name, 'int64', values) for name, values in lists.items()])
    assert parse_example(data) == {name: ('int64_list', values) for name, values in lists.items()}


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


def test_instance_encoder_writes_the_padded_features_it_does_not_build():
    """encode_instance appends padding as bytes; it must equal encoding the padded lists, for
    both masking modes (dynamic pads word_ids with -1, a 10-byte varint) and values past 2**16."""
    from schemas.bert_features import features_for
    from schemas.records import TrainingInstance
    from wwm.bert_padding import padded_features
    instance = TrainingInstance([101, 70000, 5, 102], [0, 0, 1, 1], 1, [1, 2], [7, 8], [-1, 0, 1, -1], [2])
    for masking in ('static', 'dynamic'):
        padded = padded_features(instance, masking, 8, 3)
        expected = tfrecord.encode_example([(spec.name, spec.dtype, padded[spec.name])
                                            for spec in features_for(masking)])
        assert tfrecord.encode_instance(instance, masking, 8, 3) == expected
        assert parse_example(expected)['input_ids'] == ('int64_list', [101, 70000, 5, 102, 0, 0, 0, 0])
    assert padded_features(instance, 'dynamic', 8, 3)['word_ids'] == [-1, 0, 1, -1, -1, -1, -1, -1]
