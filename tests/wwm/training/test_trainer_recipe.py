"""The Trainer and masking-rate recipes of docs/masking.md, run as written on a dynamic dataset the
job made from real news text: a real transformers.Trainer (or loop) with a tiny random BERT, on
CPU. The Trainer's collator is wrapped to check that word_ids reached it and that every masked word
is masked whole. No TensorFlow here: it crashes beside torch and transformers in one process."""
import math

import pytest

from tests.output_datasets import build_static_dataset
from tests.wwm.training.doc_recipes import recipe_for, run_recipe
from wwm.training import collator as collator_module


@pytest.fixture(scope='module')
def dynamic_dataset(tmp_path_factory, real_vocab_path):
    """The job on 8 news articles with --masking dynamic: real word_ids, CJK and other words."""
    output_dir, _ = build_static_dataset(tmp_path_factory.mktemp('trainer'), real_vocab_path,
                                         '--masking', 'dynamic', documents=8)
    return output_dir


def _recording_collator(calls):
    """WholeWordMaskingCollator whose calls append (features, batch) to calls."""
    class Recording(collator_module.WholeWordMaskingCollator):
        def __call__(self, features):
            batch = super().__call__(features)
            calls.append((features, batch))
            return batch
    return Recording


def _split_words(features, batch) -> list:
    """(row, word id) of the masked words some of whose tokens were left unmasked."""
    split = []
    for row, feature in enumerate(features):
        words = list(feature['word_ids'])
        labelled = batch['labels'][row, :len(words)] != -100
        masked = {words[i] for i in range(len(words)) if labelled[i]}
        split += [(row, word) for word in masked
                  if not all(labelled[i] for i in range(len(words)) if words[i] == word)]
    return split


def test_trainer_recipe_masks_whole_words(dynamic_dataset, tmp_path, monkeypatch):
    pytest.importorskip('transformers')
    pytest.importorskip('accelerate', reason="transformers' Trainer needs accelerate")
    pytest.importorskip('datasets')
    import datasets
    monkeypatch.setattr(datasets.config, 'HF_DATASETS_CACHE', str(tmp_path / 'hf'))
    monkeypatch.chdir(tmp_path)
    calls = []
    monkeypatch.setattr(collator_module, 'WholeWordMaskingCollator', _recording_collator(calls))
    namespace = run_recipe('trainer', dynamic_dataset)
    assert namespace['trainer'].state.global_step == 2 and len(calls) >= 2
    multi_token_words = 0
    for features, batch in calls:
        assert all('word_ids' in feature for feature in features)
        assert _split_words(features, batch) == []
        assert (batch['labels'] != -100).sum() > 0
        multi_token_words += sum(len(f['word_ids']) - len(set(f['word_ids'])) for f in features)
    assert multi_token_words > 0
    assert math.isfinite(namespace['trainer'].state.log_history[-1]['train_loss'])


def test_trainer_defaults_stop_with_the_setting_to_change(dynamic_dataset, tmp_path, monkeypatch):
    """With remove_unused_columns left at True, word_ids never reach the collator: it must say
    what to set instead of masking without words."""
    pytest.importorskip('transformers')
    pytest.importorskip('accelerate', reason="transformers' Trainer needs accelerate")
    pytest.importorskip('datasets')
    import datasets
    monkeypatch.setattr(datasets.config, 'HF_DATASETS_CACHE', str(tmp_path / 'hf'))
    monkeypatch.chdir(tmp_path)
    code = recipe_for('trainer', dynamic_dataset)
    assert code.count('remove_unused_columns=False') == 1
    code = code.replace('remove_unused_columns=False', 'remove_unused_columns=True')
    with pytest.raises(KeyError, match=r'remove_unused_columns=False'):
        exec(compile(code, 'docs recipe trainer, defaults', 'exec'), {})


def test_schedule_recipe_masks_each_batch_at_its_rate_in_workers(dynamic_dataset, tmp_path,
                                                                 monkeypatch):
    """The masking-rate recipe, with two DataLoader workers and two epochs: every batch's share of
    predicted tokens is its global step's rate, from 30% down to 15%."""
    pytest.importorskip('transformers')
    pytest.importorskip('datasets')
    import datasets
    import torch
    monkeypatch.setattr(datasets.config, 'HF_DATASETS_CACHE', str(tmp_path / 'hf'))
    monkeypatch.chdir(tmp_path)
    torch.manual_seed(0)
    namespace = run_recipe('schedule', dynamic_dataset)
    shares, schedule = namespace['shares'], namespace['schedule']
    assert len(shares) == 2 * namespace['batches_per_epoch'] > 2 and schedule.steps == len(shares) - 1
    for step, share in enumerate(shares):
        assert abs(share - schedule.rate(step)) < 0.03, (step, share)
    assert math.isfinite(namespace['loss'].item())
