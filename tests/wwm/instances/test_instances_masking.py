"""Instance creation and static whole word masking on real text: shapes, whole words, statistics."""
import random

import pytest

from wwm.hashing import seeded_rng
from wwm.instances.pairs import NO_GROUP, Tokens, create_pair_instances, truncate_seq_pair
from wwm.instances.masking import MaskingConfig, candidate_groups, mask_instance, num_predictions

CLS, SEP, MASK = 101, 102, 103


@pytest.fixture(scope='module')
def documents(thucnews_tokenized):
    return thucnews_tokenized


def _instances(documents, max_seq_length, seed=1):
    for index in range(len(documents)):
        yield from create_pair_instances(documents, index, max_seq_length, 0.1, seeded_rng(seed, index),
                                         CLS, SEP)


@pytest.mark.parametrize('max_seq_length', [32, 128, 512])
def test_instances_fit_and_have_bert_layout(documents, max_seq_length):
    instances = list(_instances(documents, max_seq_length))
    assert len(instances) > 100
    for instance in instances:
        ids, segments = instance.token_ids, instance.segment_ids
        assert len(ids) <= max_seq_length
        assert ids[0] == CLS and ids[-1] == SEP and ids.count(SEP) == 2
        first_sep = ids.index(SEP)
        assert segments == [0] * (first_sep + 1) + [1] * (len(ids) - first_sep - 1)
        assert first_sep >= 2 and len(ids) - first_sep >= 3       # A and B both non-empty
    random_share = sum(i.next_sentence_label for i in instances) / len(instances)
    # Half the multi-sentence chunks, plus every one-sentence chunk (more of them at short lengths).
    assert random_share > 0.45 and (max_seq_length < 128 or random_share < 0.75)


def _text(ids) -> str:
    return ',' + ','.join(map(str, ids)) + ','


def test_not_random_next_segments_are_consecutive_text_of_the_same_document(documents):
    checked = 0
    for index, document in enumerate(documents):
        flat = _text([t for ids, _ in document for t in ids])
        for instance in create_pair_instances(documents, index, 128, 0.1, seeded_rng(7, index), CLS, SEP):
            if instance.next_sentence_label:
                continue
            sep = instance.token_ids.index(SEP)
            a, b = _text(instance.token_ids[1:sep]), _text(instance.token_ids[sep + 1:-1])
            assert a in flat and b in flat
            assert flat.index(b, flat.index(a)) >= flat.index(a) + len(a) - 1
            checked += 1
    assert checked > 300


def test_truncation_removes_from_the_longer_side():
    a, b = truncate_seq_pair(Tokens(list(range(10)), list(range(10, 20))), Tokens([0, 1, 2], [5, 6, 7]),
                             8, random.Random(0))
    assert len(a) == 5 and b.ids == [0, 1, 2] and b.groups == [5, 6, 7]
    assert a.ids == sorted(a.ids) and set(a.ids) <= set(range(10))
    assert a.groups == [i + 10 for i in a.ids]   # ids and groups are cut together


def _reference_truncation(len_a, len_b, max_num_tokens, rng):
    """The reference script's loop: one draw per dropped token, from the longer side (B on a tie)."""
    a, b = list(range(len_a)), list(range(100, 100 + len_b))
    while len(a) + len(b) > max_num_tokens:
        trunc = a if len(a) > len(b) else b
        if rng.random() < 0.5:
            del trunc[0]
        else:
            trunc.pop()
    return a, b


def test_truncation_is_the_reference_loop_draw_for_draw():
    cases = random.Random(3)
    for n in range(3000):
        len_a, len_b = cases.randint(0, 300), cases.randint(0, 300)
        limit = cases.randint(1, 260)
        ours, theirs = random.Random(n), random.Random(n)
        a, b = truncate_seq_pair(Tokens(list(range(len_a)), [0] * len_a),
                                 Tokens(list(range(100, 100 + len_b)), [0] * len_b), limit, ours)
        assert (a.ids, b.ids) == _reference_truncation(len_a, len_b, limit, theirs), (len_a, len_b, limit)
        assert ours.random() == theirs.random()   # the same number of draws taken


def test_masked_groups_are_whole_words_and_statistics_match_the_reference(documents, real_vocab):
    replacement_ids = [i for t, i in real_vocab.items() if t and not t.startswith('[')]
    chosen_tokens = tokens = masked = kept = replaced = 0
    for n, instance in enumerate(_instances(documents, 128)):
        result, _ = mask_instance(instance, MaskingConfig('wwm', 'token', 0.15, 20), seeded_rng('mask', n),
                                  MASK, replacement_ids)
        positions = result.masked_lm_positions
        assert positions == sorted(positions) and len(set(positions)) == len(positions)
        assert len(positions) <= num_predictions(len(instance.token_ids), 0.15, 20)
        assert all(instance.group_ids[p] != NO_GROUP for p in positions)        # never [CLS]/[SEP]
        chosen = set(positions)
        for group in candidate_groups(instance.group_ids, whole_word=True):
            assert chosen.issuperset(group) or chosen.isdisjoint(group)        # whole words only
        assert result.masked_lm_ids == [instance.token_ids[p] for p in positions]
        for p in positions:
            output = result.input_ids[p]
            masked += output == MASK
            kept += output == instance.token_ids[p]
            replaced += output not in (MASK, instance.token_ids[p])
        chosen_tokens += len(positions)
        tokens += len(instance.token_ids)
    assert chosen_tokens > 10000
    assert abs(chosen_tokens / tokens - 0.15) < 0.01
    assert abs(masked / chosen_tokens - 0.8) < 0.02
    assert abs(kept / chosen_tokens - 0.1) < 0.015
    assert abs(replaced / chosen_tokens - 0.1) < 0.015


def test_whole_word_masking_masks_multi_token_words(documents, real_vocab):
    multi = 0
    for n, instance in enumerate(_instances(documents[:50], 128)):
        result, _ = mask_instance(instance, MaskingConfig('wwm', 'token', 0.15, 20), seeded_rng(n), MASK,
                                  [1000])
        chosen = set(result.masked_lm_positions)
        multi += sum(1 for g in candidate_groups(instance.group_ids, True) if len(g) > 1 and chosen >= set(g))
    assert multi > 100
