"""The C loops (wwm/native/_kernels.c) return what their Python references (wwm/native/kernels.py) return.

Output bytes must not depend on whether the extension was built, so each C function is run
against its reference on random input, including the edges (empty input, ties, every token one
group, values at the ends of int64).
"""
import random
import struct

import pytest

from wwm.native import kernels
from wwm.instances.pairs import NO_GROUP

compiled = kernels.compiled
needs_c = pytest.mark.skipif(compiled is None, reason='wwm/native/_kernels.c not built (see '
                             'tests/wwm/native/test_native.py::test_every_extension_is_built)')


def _group_ids(rng, length):
    """[CLS] A [SEP] B [SEP] with words of 1-4 tokens, or other shapes: no group, one group."""
    shape = rng.random()
    if shape < 0.05:
        return [NO_GROUP] * length
    if shape < 0.1:
        return [7] * length
    ids, group = [NO_GROUP], 0
    while len(ids) < length - 1:
        ids.extend([group] * rng.choice([1, 1, 2, 2, 2, 3, 4]))
        group += rng.choice([1, 1, 1, 2])
        if rng.random() < 0.03:
            ids.append(NO_GROUP)
    return ids[:max(length - 1, 0)] + [NO_GROUP] * (length > 0)


@needs_c
@pytest.mark.parametrize('whole_word', [True, False])
def test_candidate_groups(whole_word):
    rng = random.Random(1)
    for _ in range(500):
        group_ids = _group_ids(rng, rng.choice([0, 1, 2, 5, 32, 128, 512]))
        expected = kernels.py_candidate_groups(group_ids, whole_word, NO_GROUP)
        assert compiled.candidate_groups(group_ids, whole_word, NO_GROUP) == expected
        assert compiled.candidate_groups(tuple(group_ids), whole_word, NO_GROUP) == expected


@needs_c
@pytest.mark.parametrize('whole_word', [True, False])
def test_choose_groups_takes_the_same_groups_and_leaves_the_same_random_state(whole_word):
    rng = random.Random(2)
    for seed in range(500):
        group_ids = _group_ids(rng, rng.choice([0, 3, 32, 128, 512]))
        budget = rng.choice([0, 1, 5, 20, 77, 1000])
        c_rng, py_rng = random.Random(seed), random.Random(seed)
        chosen = compiled.choose_groups(group_ids, whole_word, NO_GROUP, budget, c_rng.getrandbits)
        assert chosen == kernels.py_choose_groups(group_ids, whole_word, NO_GROUP, budget, py_rng.getrandbits)
        assert c_rng.getstate() == py_rng.getstate()
        assert sum(map(len, chosen)) <= budget


@needs_c
def test_choose_groups_breaks_ties_by_position_as_a_stable_sort():
    def same_key(bits):
        return int.from_bytes(b'\x05' * (bits // 8), 'little')
    group_ids = [NO_GROUP] + [0, 1, 1, 2, 3, 3, 3, 4] + [NO_GROUP]
    for budget in range(9):
        assert (compiled.choose_groups(group_ids, True, NO_GROUP, budget, same_key)
                == kernels.py_choose_groups(group_ids, True, NO_GROUP, budget, same_key))
    assert compiled.choose_groups(group_ids, True, NO_GROUP, 4, same_key) == [[1], [2, 3], [4]]


@needs_c
def test_replace_per_token():
    rng = random.Random(3)
    replacement_ids = list(range(670, 21128))
    for seed in range(300):
        words = kernels.py_candidate_groups(_group_ids(rng, rng.choice([0, 32, 512])), True, NO_GROUP)
        words = rng.sample(words, min(len(words), rng.randint(0, 80)))
        tokens = [rng.randint(0, 21127) for _ in range(600)]
        c_out, py_out = list(tokens), list(tokens)
        c_rng, py_rng = random.Random(seed), random.Random(seed)
        compiled.replace_per_token(c_out, words, 103, replacement_ids, c_rng.random)
        kernels.py_replace_per_token(py_out, words, 103, replacement_ids, py_rng.random)
        assert c_out == py_out and c_rng.getstate() == py_rng.getstate()


@needs_c
def test_replace_per_token_refuses_a_position_outside_the_sequence():
    with pytest.raises(IndexError):
        compiled.replace_per_token([1, 2], [[5]], 103, [7], lambda: 0.1)


@needs_c
@pytest.mark.parametrize('values', [
    [], [0], [127, 128, 255, 256], list(range(300)), [21127] * 512, [65535, 65536, 2 ** 21, 2 ** 35],
    [-1, -2, -(2 ** 63)], [2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1], (1, 0, 1), [True, False],
])
def test_int64_lists_are_varints(values):
    """An int64 list is written as its values' varints (protobuf's packed encoding)."""
    entry = [(b'x', kernels.INT64_LIST, values, 0, 0)]
    assert compiled.encode_example(entry) == kernels.py_encode_example(entry)
    assert kernels.py_encode_example(entry).endswith(kernels.py_packed_varints(values))


@needs_c
def test_int64_lists_of_random_values():
    rng = random.Random(4)
    for _ in range(300):
        bits = rng.choice([7, 8, 14, 16, 21, 35, 63])
        values = [rng.randint(-(2 ** bits), 2 ** bits) for _ in range(rng.randint(0, 600))]
        entry = [(b'x', kernels.INT64_LIST, values, 0, 0)]
        assert compiled.encode_example(entry) == kernels.py_encode_example(entry)


@needs_c
@pytest.mark.parametrize('value', [2 ** 64, -(2 ** 63) - 1])
def test_int64_lists_refuse_values_outside_64_bits(value):
    for encode in (compiled.encode_example, kernels.py_encode_example):
        with pytest.raises(OverflowError):
            encode([(b'x', kernels.INT64_LIST, [1, value], 0, 0)])


def _entries(rng):
    entries = []
    for number in range(rng.randint(0, 9)):
        if rng.random() < 0.3:
            values = [rng.choice([1.0, 0.5, -2.25, 3e38, 1e-40, 7]) for _ in range(rng.randint(0, 20))]
            entries.append(('f%d' % number, 2, values, rng.choice([0.0, 1.0]), rng.randint(0, 20)))
        else:
            bits = rng.choice([7, 14, 16, 63])
            values = [rng.randint(-(2 ** bits), 2 ** bits - 1) for _ in range(rng.randint(0, 600))]
            entries.append(('名字%d' % number, 3, values, rng.choice([0, 1, -1, 300]), rng.randint(0, 600)))
    return [(name.encode(), kind, values, padding, count) for name, kind, values, padding, count in entries]


@needs_c
def test_encode_example():
    rng = random.Random(5)
    for _ in range(300):
        entries = _entries(rng)
        assert compiled.encode_example(entries) == kernels.py_encode_example(entries)


@needs_c
@pytest.mark.parametrize('entry, error', [
    ((b'x', 3, [1], 0, -1), ValueError),        # more values than the feature's length
    ((b'x', 4, [1], 0, 0), ValueError),         # neither an int64 nor a float list
    ((b'x', 3, [2 ** 64], 0, 0), OverflowError),
    ((b'x', 2, [1e39], 0.0, 0), OverflowError),  # beyond float32, as struct.pack('<f') says
])
def test_encode_example_refuses_what_its_reference_refuses(entry, error):
    for encode in (compiled.encode_example, kernels.py_encode_example):
        with pytest.raises(error):
            encode([(b'ok', 3, [1, 2], 0, 3), entry])


_TYPES = {'B': (0, 255), 'H': (0, 65535), 'I': (0, 2 ** 32 - 1), 'h': (-32768, 32767),
          'i': (-(2 ** 31), 2 ** 31 - 1), 'q': (-(2 ** 63), 2 ** 63 - 1)}


@needs_c
def test_pack_and_unpack_lists():
    rng = random.Random(6)
    typecodes = ('HIq', 'SBHq', 'HIq', 'HIq', 'hiq', 'HIq')
    for _ in range(500):
        lists = []
        for codes in typecodes:
            length = rng.choice([0, 1, 20, 512])
            if 'S' in codes and rng.random() < 0.5:   # zeros then ones, or zeros and ones mixed
                zeros = rng.randint(0, length)
                values = [0] * zeros + [1] * (length - zeros)
                if length > 1 and rng.random() < 0.3:
                    values.reverse()
                lists.append(values)
                continue
            low, high = _TYPES[rng.choice(codes.replace('S', ''))]
            lists.append([rng.choice([low, high, rng.randint(low, high)]) for _ in range(length)])
        label = rng.choice([0, 1, -1, 2 ** 63 - 1])
        packed = compiled.pack_lists(label, lists, typecodes)
        assert packed == kernels.py_pack_lists(label, lists, typecodes)
        assert (compiled.unpack_lists(packed, len(lists)) == kernels.py_unpack_lists(packed, len(lists))
                == (label, lists))
        assert compiled.unpack_lists(memoryview(b'.' + packed)[1:], len(lists)) == (label, lists)


@needs_c
@pytest.mark.parametrize('values', [[2 ** 63], [-(2 ** 63) - 1], [0, 2 ** 64]])
def test_pack_lists_refuses_values_beyond_int64(values):
    for pack_lists in (compiled.pack_lists, kernels.py_pack_lists):
        with pytest.raises(OverflowError):
            pack_lists(0, [[1], values], ('HIq', 'Iq'))


@needs_c
def test_unpack_lists_refuses_truncated_bytes():
    packed = compiled.pack_lists(1, [[1, 2, 3], [0, 1, 1], [70000]], ('BHq', 'SBHq', 'HIq'))
    for end in range(len(packed)):
        for unpack_lists in (compiled.unpack_lists, kernels.py_unpack_lists):
            with pytest.raises(ValueError):
                unpack_lists(packed[:end], 3)


@needs_c
def test_zeros_then_ones_take_four_bytes_and_nothing_else_does():
    step, mixed = [0] * 200 + [1] * 312, [0, 1, 0] + [1] * 509
    for pack_lists in (compiled.pack_lists, kernels.py_pack_lists):
        assert pack_lists(0, [step], ('SBHq',)) == kernels._LABEL.pack(0) + b'S' + struct.pack('<II', 512, 200)
        assert pack_lists(0, [mixed], ('SBHq',))[8:9] == b'B'
        assert pack_lists(0, [[1, 2]], ('SBHq',))[8:9] == b'B'
    wrong = kernels._LABEL.pack(0) + b'S' + struct.pack('<II', 3, 4)   # more zeros than values
    for unpack_lists in (compiled.unpack_lists, kernels.py_unpack_lists):
        with pytest.raises(ValueError):
            unpack_lists(wrong, 1)


def _token_layout(rng):
    """(offsets, piece words, word spans, length) of a made-up sentence: tokens of 1-3 characters
    with gaps (spaces), pieces of one pre-tokenizer word, segmenter words that sometimes split a
    token, miss characters ((-1, -1) spans, uncovered tails) or reach past the end."""
    length = rng.choice([0, 1, 2, 7, 40, 300])
    offsets, piece_words, position, word = [], [], 0, -1
    while position < length:
        position += rng.random() < 0.1                    # a space before the token
        size = rng.choice([1, 1, 1, 2, 3])
        if position + size > length:
            break
        if not (piece_words and rng.random() < 0.3):      # else a "##" piece of the same word
            word += 1 + (rng.random() < 0.1)
        offsets.append((position, position + size))
        piece_words.append(None if rng.random() < 0.05 else word)
        position += size
    spans, position = [], 0
    while position < length + 2:
        size = rng.choice([1, 1, 2, 3, 4])
        spans.append((-1, -1) if rng.random() < 0.05 else (position, position + size))
        position += size + (rng.random() < 0.1)
    return offsets, piece_words, spans[:rng.choice([len(spans), len(spans) // 2])], length


@needs_c
def test_group_tokens():
    rng = random.Random(7)
    for _ in range(2000):
        offsets, piece_words, spans, length = _token_layout(rng)
        first_group = rng.choice([0, 5, 2 ** 40])
        expected = kernels.py_group_tokens(offsets, piece_words, spans, length, first_group)
        assert compiled.group_tokens(offsets, piece_words, spans, length, first_group) == expected
        assert compiled.group_tokens([list(o) for o in offsets], tuple(piece_words), spans,
                                     length, first_group) == expected
        words_as_text = [None if w is None else str(w) for w in piece_words]  # any comparable value
        assert (compiled.group_tokens(offsets, words_as_text, spans, length, first_group)
                == kernels.py_group_tokens(offsets, words_as_text, spans, length, first_group))
    assert compiled.group_tokens([(0, 1)], [0], [], 1) == kernels.py_group_tokens([(0, 1)], [0], [], 1)


@needs_c
def test_group_tokens_on_real_tokenizer_output(real_vocab):
    from tests import real_text
    from wwm.segmenters import make_segmenter
    from wwm.tokens.wordpiece import build_tokenizer, word_spans
    tokenizer = build_tokenizer(real_vocab, do_lower_case=True)
    sentences = real_text.sentences_of(real_text.cmrc_documents(40))
    checked = 0
    for sentence, words in zip(sentences, make_segmenter('jieba').segment(sentences)):
        encoding = tokenizer.encode(sentence, add_special_tokens=False)
        spans, _ = word_spans(sentence, words)
        arguments = (encoding.offsets, encoding.word_ids, spans, len(sentence), checked)
        assert compiled.group_tokens(*arguments) == kernels.py_group_tokens(*arguments)
        checked += 1
    assert checked > 300


@needs_c
@pytest.mark.parametrize('offsets, piece_words, spans, error', [
    ([(-1, 1)], [0], [(0, 1)], ValueError),        # a negative offset
    ([(0, 1, 2)], [0], [(0, 1)], ValueError),      # not a pair
    ([(0, 1)], [0], [('x', 1)], TypeError),
])
def test_group_tokens_refuses_what_its_reference_refuses(offsets, piece_words, spans, error):
    with pytest.raises(error):
        kernels.py_group_tokens(offsets, piece_words, spans, 1)
    with pytest.raises(error):
        compiled.group_tokens(offsets, piece_words, spans, 1)


def _bucket(rng):
    """Documents of 1-12 sentences of 0-90 tokens (an empty sentence now and then); ids and groups
    are distinct numbers so that any misplaced token shows."""
    documents, token = [], 1000
    for _ in range(rng.randint(1, 8)):
        document = []
        for _ in range(rng.randint(1, 12)):
            length = 0 if rng.random() < 0.03 else rng.randint(1, 90)
            document.append((list(range(token, token + length)), [t // 3 for t in range(token, token + length)]))
            token += length
        documents.append(document)
    return documents


@pytest.mark.parametrize('max_seq_length', [8, 128, 512])
@needs_c
def test_pair_instances_are_the_reference_draw_for_draw(max_seq_length):
    from schemas.records import UnmaskedInstance
    from wwm.instances.pairs import py_create_pair_instances
    cases = random.Random(max_seq_length)
    for n in range(400):
        documents = _bucket(cases)
        index = cases.randrange(len(documents))
        short = cases.choice([0.0, 0.1, 0.5, 1.0])
        ours, theirs = random.Random(n), random.Random(n)
        got = compiled.pair_instances(documents, index, max_seq_length, short, ours, 101, 102, NO_GROUP,
                                      UnmaskedInstance)
        want = py_create_pair_instances(documents, index, max_seq_length, short, theirs, 101, 102)
        assert got == want
        assert all(type(instance) is UnmaskedInstance for instance in got)
        assert ours.random() == theirs.random()   # the same number of draws taken


@needs_c
def test_pair_instances_refuse_what_they_cannot_read():
    from schemas.records import UnmaskedInstance
    with pytest.raises(TypeError, match='tuple of two lists'):
        compiled.pair_instances([[([1, 2], [1])]], 0, 128, 0.1, random.Random(0), 1, 2, NO_GROUP,
                                UnmaskedInstance)
    with pytest.raises(IndexError):
        compiled.pair_instances([[([1], [1])]], 3, 128, 0.1, random.Random(0), 1, 2, NO_GROUP,
                                UnmaskedInstance)


@needs_c
@pytest.mark.parametrize('table', [True, False])
def test_crc32c_is_google_crc32c(table):
    """TFRecord framing's checksum, by the table and by the CPU's instruction where it has one."""
    import google_crc32c
    rng = random.Random(9)
    for size in list(range(20)) + [63, 64, 65, 822, 4099]:
        data = bytes(rng.getrandbits(8) for _ in range(size))
        assert compiled.crc32c(data, table) == google_crc32c.value(data)
        assert compiled.crc32c(memoryview(b'.' + data)[1:], table) == google_crc32c.value(data)
