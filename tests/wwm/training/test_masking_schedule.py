"""Masking-rate schedules: their values, the collator's masked share following them batch by batch
on real-length instances with whole words kept, and the global batch index in DataLoader workers."""
import math

import pytest

from wwm.hashing import seeded_rng
from wwm.instances.pairs import create_pair_instances
from wwm.instances.word_boundaries import word_ids
from wwm.tokens.vocab import replacement_ids
from wwm.training.schedule import MaskingSchedule

torch = pytest.importorskip('torch')
from torch.utils.data import DataLoader  # noqa: E402

from wwm.training.collator import IGNORE_INDEX, WholeWordMaskingCollator  # noqa: E402

CLS, SEP, MASK = 101, 102, 103


def test_constant_schedule_is_its_rate_at_every_step():
    schedule = MaskingSchedule.constant(0.15)
    assert [schedule.rate(step) for step in (0, 1, 10 ** 6)] == [0.15, 0.15, 0.15]


@pytest.mark.parametrize('make, middle', [(MaskingSchedule.linear, 0.225),
                                          (MaskingSchedule.cosine, 0.225)])
def test_schedules_go_from_start_to_end_then_stay(make, middle):
    schedule = make(0.30, 0.15, 100)
    assert schedule.rate(0) == pytest.approx(0.30)
    assert schedule.rate(50) == pytest.approx(middle)
    assert schedule.rate(100) == pytest.approx(0.15)
    assert schedule.rate(101) == schedule.rate(10 ** 6) == pytest.approx(0.15)


def test_linear_and_cosine_differ_between_start_and_middle():
    linear, cosine = MaskingSchedule.linear(0.30, 0.15, 100), MaskingSchedule.cosine(0.30, 0.15, 100)
    assert linear.rate(25) == pytest.approx(0.30 - 0.15 / 4)
    assert cosine.rate(25) == pytest.approx(0.15 + 0.15 * (1 + math.cos(math.pi / 4)) / 2)
    assert cosine.rate(25) > linear.rate(25)        # cosine stays near the start longer


@pytest.mark.parametrize('start, end, steps, shape', [
    (0.0, 0.15, 10, 'linear'), (0.3, 1.5, 10, 'linear'), (0.3, 0.15, 0, 'cosine'),
    (0.3, 0.15, 10, 'step')])
def test_schedules_reject_what_cannot_mask(start, end, steps, shape):
    with pytest.raises(ValueError):
        MaskingSchedule.checked(start, end, steps, shape)


@pytest.fixture(scope='module')
def features(thucnews_tokenized):
    """Real-length [CLS] A [SEP] B [SEP] instances of THUCNews at 128, as dynamic-dataset features."""
    instances = [instance for index in range(len(thucnews_tokenized))
                 for instance in create_pair_instances(thucnews_tokenized, index, 128, 0.1,
                                                       seeded_rng(35, index), CLS, SEP)]
    return [{'input_ids': i.token_ids, 'segment_ids': i.segment_ids, 'word_ids': word_ids(i.group_ids)}
            for i in instances[:20 * 32]]


def _split_words(feature, labels) -> list:
    """The word ids that are masked in part only."""
    words = feature['word_ids']
    masked = {word for word, label in zip(words, labels) if label != IGNORE_INDEX}
    unmasked = {word for word, label in zip(words, labels) if label == IGNORE_INDEX}
    return sorted(masked & unmasked)


def test_the_masked_share_follows_the_schedule_with_whole_words(features, real_vocab):
    torch.manual_seed(0)
    schedule = MaskingSchedule.linear(0.30, 0.15, 15)
    collator = WholeWordMaskingCollator(MASK, replacement_ids(real_vocab), masked_lm_prob=schedule)
    shares = []
    for start in range(0, len(features), 32):
        chunk = features[start:start + 32]
        batch = collator(chunk)
        for feature, labels in zip(chunk, batch['labels'].tolist()):
            assert _split_words(feature, labels) == []
        shares.append(float((batch['labels'] != IGNORE_INDEX).sum() / batch['attention_mask'].sum()))
    assert len(shares) == 20 and abs(shares[0] - 0.30) < 0.01 and abs(shares[-1] - 0.15) < 0.01
    for step, share in enumerate(shares):
        assert abs(share - schedule.rate(step)) < 0.01, (step, share)


def test_max_predictions_caps_every_rate_of_the_schedule(features, real_vocab):
    collator = WholeWordMaskingCollator(MASK, replacement_ids(real_vocab), max_predictions=20,
                                        masked_lm_prob=MaskingSchedule.constant(0.30))
    labels = collator(features[:32])['labels']
    assert int((labels != IGNORE_INDEX).sum(dim=1).max()) == 20


def _one_token_words(count: int, length: int = 102) -> list:
    """Examples whose words are single tokens, so a batch's predictions are exactly its budget."""
    words = [-1] + list(range(length - 2)) + [-1]
    return [{'input_ids': [CLS] + [200 + k for k in range(length - 2)] + [SEP], 'word_ids': words}
            for _ in range(count)]


def _budgets(loader) -> list:
    """Predictions per example of each batch, in the loader's order."""
    return [int((batch['labels'][0] != IGNORE_INDEX).sum()) for batch in loader]


SCHEDULE = MaskingSchedule.linear(0.50, 0.10, 9)


@pytest.mark.parametrize('persistent', [False, True])
def test_workers_read_the_same_rates_as_the_training_process(persistent):
    """Worker w's k-th batch is global batch k * num_workers + w; set_step before each epoch carries
    the index over to the workers, which copy the collator then (persistent ones keep counting)."""
    data, batches = _one_token_words(24), 12
    expected = [round(102 * SCHEDULE.rate(step)) for step in range(2 * batches)]
    in_process = WholeWordMaskingCollator(MASK, [7, 8, 9], masked_lm_prob=SCHEDULE)
    loader = DataLoader(data, batch_size=2, collate_fn=in_process)
    assert _budgets(loader) + _budgets(loader) == expected
    in_workers = WholeWordMaskingCollator(MASK, [7, 8, 9], masked_lm_prob=SCHEDULE)
    loader = DataLoader(data, batch_size=2, collate_fn=in_workers, num_workers=2,
                        persistent_workers=persistent)
    got = []
    for epoch in range(2):
        in_workers.set_step(epoch * len(loader))
        got += _budgets(loader)
    assert got == expected


def test_non_persistent_workers_start_the_count_again_each_epoch():
    """What the docstring says happens without set_step: each epoch's workers copy a collator that
    has built nothing."""
    data = _one_token_words(8)
    collator = WholeWordMaskingCollator(MASK, [7, 8, 9], masked_lm_prob=SCHEDULE)
    loader = DataLoader(data, batch_size=2, collate_fn=collator, num_workers=2)
    first = _budgets(loader)
    assert _budgets(loader) == first == [round(102 * SCHEDULE.rate(step)) for step in range(4)]


def test_set_step_moves_the_count_in_the_training_process():
    collator = WholeWordMaskingCollator(MASK, [7, 8, 9], masked_lm_prob=SCHEDULE)
    loader = DataLoader(_one_token_words(4), batch_size=2, collate_fn=collator)
    collator.set_step(8)
    assert _budgets(loader) == [round(102 * SCHEDULE.rate(8)), round(102 * SCHEDULE.rate(9))]
