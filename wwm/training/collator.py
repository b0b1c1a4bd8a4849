"""Dynamic whole-word masking at training time, for datasets built with ``--masking dynamic``.

Each batch is masked anew with the same code as the pipeline's static masking (wwm.instances.masking), so
the statistics are the same: the budget is ``round(len(tokens) * masked_lm_prob)`` tokens, whole
words (or n-grams of words) are chosen, and 80/10/10 is applied per token or per word. Words come
from each example's ``word_ids`` (-1 at [CLS]/[SEP]), which hold every word, also those HuggingFace's
``chinese_ref`` cannot express (digits, Latin, punctuation). With transformers' Trainer the dataset
must keep its ``word_ids``: ``TrainingArguments(remove_unused_columns=False)``.

The randomness of a batch is drawn from PyTorch's generator, so ``torch.manual_seed`` reproduces
it, and DataLoader workers (seeded differently by PyTorch) never repeat each other's masks. torch is
imported only when a batch is built: the Beam pipeline never needs it.

The masking rate may follow a schedule (wwm.training.schedule.MaskingSchedule, e.g. 30% falling to
15%), read at each batch's global index, the number of batches built before it:

- By default the collator counts the batches it builds. With ``num_workers=0`` (transformers'
  Trainer's default) that is the global batch index, across epochs too, prefetching included: a
  batch's rate does not depend on when it is consumed. In a DataLoader worker the collator is a copy
  that sees only that worker's batches; DataLoader hands batches out round-robin (map-style dataset,
  ``in_order=True``, the default), so worker w's k-th batch is global batch k * num_workers + w
  (torch.utils.data.get_worker_info() gives w and the worker count). Workers start from a copy of
  the training process's collator at each epoch (``persistent_workers=False``), so there the count
  starts again each epoch unless the loop calls ``set_step`` before each epoch; persistent workers
  keep counting, and since each epoch starts again at worker 0 their index drifts by less than
  num_workers batches per epoch.
- ``set_step(step)`` says that the next batch built is batch ``step``; the count goes on from there.
  A loop that owns the step calls it (before each batch, or before each epoch for workers, which copy
  the collator when the epoch's iterator starts), and so does a resumed run, whose skipped batches
  are never built.

The step counts batches, not optimizer steps: with gradient accumulation a schedule over S optimizer
steps is ``steps = S * gradient_accumulation_steps``. With transformers' Trainer and
``dataloader_num_workers=0`` the count is the micro-batch index, so no callback is needed (one
setting the step at on_step_begin would be late: the Trainer fetches batches ahead of its step).
Batches built for evaluation by the same collator object count too: evaluate with another one.
"""
import random
from typing import Sequence, Union

import numpy

from wwm.instances.masking import DEFAULT_NGRAM_PROBS, MaskingConfig, mask_tokens
from wwm.tokens.tokenizer import VOCAB, TokenizerFile, dataset_tokenizer
from wwm.tokens.vocab import read_vocab_bytes
from wwm.training.schedule import MaskingSchedule

IGNORE_INDEX = -100
COLLATOR_STRATEGIES = ('wwm', 'token', 'ngram')
# transformers' Trainer drops every column its model's forward() does not take
# (remove_unused_columns=True by default), word_ids among them, before the collator sees a batch.
MISSING_WORD_IDS = ('an example without word_ids (it has %s): a dynamic-masking dataset carries them; '
                    'with transformers.Trainer set TrainingArguments(remove_unused_columns=False)')


def _as_list(values) -> list:
    return values.tolist() if hasattr(values, 'tolist') else list(values)


def _sentence_label(feature: dict) -> int:
    """The label as an int, whether stored as a number or a one-element list (TFRecord)."""
    value = feature.get('next_sentence_label', feature.get('next_sentence_labels', 0))
    return int(numpy.asarray(value).reshape(-1)[0])


class WholeWordMaskingCollator:
    """features (dicts with input_ids, word_ids and optionally segment_ids/token_type_ids,
    input_mask/attention_mask, next_sentence_label(s)) -> a batch of tensors for a masked-LM model:
    input_ids, labels (-100 where not predicted), attention_mask, token_type_ids, and with
    ``return_sentence_labels`` also next_sentence_label. ``masked_lm_prob`` is a rate or a
    MaskingSchedule; ``max_predictions`` caps every rate (None: no cap)."""

    def __init__(self, mask_token_id: int, random_token_ids: Sequence[int], strategy: str = 'wwm',
                 mask_unit: str = 'token', masked_lm_prob: Union[float, MaskingSchedule] = 0.15,
                 max_predictions: int = None,
                 ngram_probs: Sequence[float] = DEFAULT_NGRAM_PROBS, pad_token_id: int = 0,
                 return_sentence_labels: bool = False, generator=None):
        if strategy not in COLLATOR_STRATEGIES:
            raise ValueError('strategy must be one of %s' % ', '.join(COLLATOR_STRATEGIES))
        if not isinstance(masked_lm_prob, MaskingSchedule):
            masked_lm_prob = MaskingSchedule.constant(masked_lm_prob)
        self.schedule = masked_lm_prob
        self._config = MaskingConfig(strategy, mask_unit, masked_lm_prob.start, max_predictions,
                                     tuple(ngram_probs))
        self._base_step = 0
        self._built = 0
        self._mask_token_id = mask_token_id
        self._random_token_ids = list(random_token_ids)
        self._pad_token_id = pad_token_id
        self._return_sentence_labels = return_sentence_labels
        self._generator = generator

    @classmethod
    def from_vocab_file(cls, vocab_file: str, **options) -> 'WholeWordMaskingCollator':
        """[MASK], [PAD] and the random-token ids from a BERT vocab (e.g. the dataset's vocab.txt)."""
        return cls._from_tokenizer(TokenizerFile(VOCAB, read_vocab_bytes(vocab_file)), **options)

    @classmethod
    def from_dataset(cls, dataset_dir: str, **options) -> 'WholeWordMaskingCollator':
        """The mask, pad and random-token ids of the tokenizer a dataset was built with (its
        vocab.txt or tokenizer.json, as its manifest names them): any tokenizer the job takes."""
        return cls._from_tokenizer(dataset_tokenizer(dataset_dir), **options)

    @classmethod
    def _from_tokenizer(cls, tokenizer: TokenizerFile, **options) -> 'WholeWordMaskingCollator':
        special = tokenizer.special_ids()
        return cls(special['mask'], tokenizer.replacement_ids(), pad_token_id=special['pad'], **options)

    def set_step(self, step: int) -> None:
        """The next batch built is global batch ``step`` (a loop that owns the step, a resumed run)."""
        self._base_step = int(step)
        self._built = 0

    def _next_step(self) -> int:
        """The global index of the batch being built: the batches built before it, counted here or,
        in a DataLoader worker, from this worker's own count by round-robin."""
        from torch.utils.data import get_worker_info

        built, self._built = self._built, self._built + 1
        worker = get_worker_info()
        if worker is None:
            return self._base_step + built
        return self._base_step + built * worker.num_workers + worker.id

    def _mask_example(self, feature: dict, config: MaskingConfig, rng) -> dict:
        if 'word_ids' not in feature:
            raise KeyError(MISSING_WORD_IDS % ', '.join(sorted(feature)))
        ids = _as_list(feature['input_ids'])
        mask = feature.get('attention_mask', feature.get('input_mask'))
        length = sum(_as_list(mask)) if mask is not None else len(ids)
        ids = ids[:length]
        words = _as_list(feature['word_ids'])[:length]
        segments = feature.get('token_type_ids', feature.get('segment_ids'))
        if config.max_predictions is None:
            config = config._replace(max_predictions=length)
        masked = mask_tokens(ids, words, config, rng, self._mask_token_id, self._random_token_ids)
        labels = [IGNORE_INDEX] * length
        for position in masked.positions:
            labels[position] = ids[position]
        return {'input_ids': masked.output_ids, 'labels': labels, 'attention_mask': [1] * length,
                'token_type_ids': _as_list(segments)[:length] if segments is not None else [0] * length}

    def __call__(self, features: Sequence[dict]) -> dict:
        import torch

        seed = int(torch.randint(0, 2 ** 62, (1,), generator=self._generator))
        rng = random.Random(seed)
        config = self._config._replace(masked_lm_prob=self.schedule.rate(self._next_step()))
        rows = [self._mask_example(feature, config, rng) for feature in features]
        width = max(len(row['input_ids']) for row in rows)
        pads = {'input_ids': self._pad_token_id, 'labels': IGNORE_INDEX, 'attention_mask': 0,
                'token_type_ids': 0}
        batch = {name: torch.tensor([row[name] + [pad] * (width - len(row[name])) for row in rows],
                                    dtype=torch.long)
                 for name, pad in pads.items()}
        if self._return_sentence_labels:
            batch['next_sentence_label'] = torch.tensor([_sentence_label(f) for f in features],
                                                        dtype=torch.long)
        return batch
