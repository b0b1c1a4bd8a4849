"""The hand-written Example encoder and TFRecord framing, checked by protobuf and Beam's reader."""
import io
import random

import pytest

from tests.example_proto import parse_example, read_tfrecord_file
from wwm.records import tfrecord


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
    from wwm.records.bert_padding import padded_features
    instance = TrainingInstance([101, 70000, 5, 102], [0, 0, 1, 1], 1, [1, 2], [7, 8], [-1, 0, 1, -1], [2])
    for masking in ('static', 'dynamic'):
        padded = padded_features(instance, masking, 8, 3)
        expected = tfrecord.encode_example([(spec.name, spec.dtype, padded[spec.name])
                                            for spec in features_for(masking)])
        assert tfrecord.encode_instance(instance, masking, 8, 3) == expected
        assert parse_example(expected)['input_ids'] == ('int64_list', [101, 70000, 5, 102, 0, 0, 0, 0])
    assert padded_features(instance, 'dynamic', 8, 3)['word_ids'] == [-1, 0, 1, -1, -1, -1, -1, -1]


def _random_instance(rng, masking, max_seq_length, max_predictions):
    """Ids across every packed type (one byte to int64), the longest and the shortest lists."""
    from schemas.records import TrainingInstance
    length = rng.choice([1, 3, max_seq_length, rng.randint(1, max_seq_length)])
    ids = [rng.choice([rng.randint(0, 255), rng.randint(0, 70000), rng.randint(0, 2 ** 40)])
           for _ in range(length)]
    segments = [rng.randint(0, 1) for _ in range(length)]
    label = rng.choice([0, 1])
    if masking == 'static':
        count = min(length, rng.choice([0, 1, max_predictions]))
        positions = sorted(rng.sample(range(length), count))
        return TrainingInstance(ids, segments, label, positions, [rng.randint(0, 70000) for _ in positions],
                                [], [])
    words = [rng.choice([-1, rng.randint(0, 300), rng.randint(0, 40000)]) for _ in range(length)]
    return TrainingInstance(ids, segments, label, [], [], words,
                            sorted(rng.sample(range(length), rng.randint(0, length))))


def _run_bytes(instances) -> bytes:
    from wwm.records.balanced_shards import shard_record
    from wwm.records.external_sort import write_run
    from wwm.records.packed_instances import pack_instance
    handle = io.BytesIO()
    write_run(handle, [shard_record(index * 7919, ('file.txt:%d' % index, index % 10, index), pack_instance(i))
                       for index, i in enumerate(instances)])
    return handle.getvalue()


@pytest.mark.parametrize('masking', ['static', 'dynamic'])
@pytest.mark.parametrize('max_seq_length,max_predictions', [(8, 3), (128, 20), (512, 77)])
def test_a_run_is_framed_as_each_instance_alone(masking, max_seq_length, max_predictions):
    """framed_run (C) gives the bytes of frame_record(encode_instance(...)) for each record, which
    protobuf and Beam's reader read back padded as the feature spec says."""
    from schemas.bert_features import feature_lengths
    rng = random.Random(max_seq_length)
    instances = [_random_instance(rng, masking, max_seq_length, max_predictions) for _ in range(300)]
    data = _run_bytes(instances)
    framed, records = tfrecord.framed_run(data, masking, max_seq_length, max_predictions)
    assert (framed, records) == tfrecord.py_framed_run(data, masking, max_seq_length, max_predictions)
    assert records == len(instances)
    first = list(tfrecord.read_records(io.BytesIO(framed)))[0]
    lengths = feature_lengths(max_seq_length, max_predictions, masking)
    parsed = parse_example(first)
    assert parsed['input_ids'][1] == instances[0].input_ids + [0] * (max_seq_length - len(instances[0].input_ids))
    assert parsed['input_mask'][1] == [1] * len(instances[0].input_ids) + [0] * (max_seq_length - len(instances[0].input_ids))
    assert {name: len(values) for name, (_, values) in parsed.items() if lengths[name]} == {
        name: length for name, length in lengths.items() if length}


def test_framing_a_run_without_the_extension_is_the_reference(monkeypatch):
    rng = random.Random(3)
    data = _run_bytes([_random_instance(rng, 'static', 128, 20) for _ in range(20)])
    expected = tfrecord.py_framed_run(data, 'static', 128, 20)
    monkeypatch.setattr(tfrecord.kernels, 'compiled', None)
    assert tfrecord.framed_run(data, 'static', 128, 20) == expected


def test_framing_a_run_refuses_what_it_cannot_read():
    from schemas.records import TrainingInstance
    data = _run_bytes([TrainingInstance([1, 2, 3], [0, 0, 0], 0, [1], [2], [], [])] * 2)
    for framed_run in (tfrecord.framed_run, tfrecord.py_framed_run):
        assert framed_run(b'', 'static', 8, 3) == (b'', 0)
        for end in (1, 10, len(data) - 1):
            with pytest.raises(ValueError, match='truncated'):
                framed_run(data[:end], 'static', 8, 3)
        with pytest.raises(ValueError):   # three tokens do not fit a sequence of two
            framed_run(data, 'static', 2, 3)
