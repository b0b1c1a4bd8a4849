"""The shuffle's compact instance bytes give back the very instance, whatever its values."""
import pickle

import pytest

from schemas.records import TrainingInstance
from wwm.records.packed_instances import pack_instance, unpack_instance


def _static(length, token=20000):
    return TrainingInstance([101] + [token] * (length - 2) + [102], [0] * (length // 2) + [1] * (length - length // 2),
                            1, [3, 7], [token, 672], [], [])


@pytest.mark.parametrize('instance', [
    _static(128),
    _static(512, token=65535),
    _static(16, token=70000),                     # a vocab over 65,536 entries: 4 bytes an id
    TrainingInstance([101, 5, 102], [0, 0, 0], 0, [], [], [-1, 0, -1], [1]),   # dynamic masking
    TrainingInstance([2 ** 40, -3], [300, 0], -1, [2 ** 33], [-(2 ** 62)], [-40000], [2 ** 63 - 1]),
    TrainingInstance([], [], 0, [], [], [], []),
])
def test_an_instance_comes_back_unchanged(instance):
    packed = pack_instance(instance)
    assert unpack_instance(packed) == instance
    assert unpack_instance(memoryview(b'..' + packed)[2:]) == instance   # as the writer reads it


def test_ids_of_a_bert_vocab_take_two_bytes_and_segment_ids_four_in_all():
    instance = _static(128)
    assert len(pack_instance(instance)) <= 2 * 128 + 4 + 2 * 2 + 2 * 2 + 48
    assert len(pack_instance(instance)) < 0.7 * len(pickle.dumps(tuple(instance), protocol=5))


def test_a_value_beyond_64_bits_is_refused():
    with pytest.raises(OverflowError):
        pack_instance(TrainingInstance([2 ** 64], [0], 0, [], [], [], []))
