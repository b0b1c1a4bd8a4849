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
"""
import random
from typing import Sequence

import numpy

from wwm.instances.masking import DEFAULT_NGRAM_PROBS, MaskingConfig, mask_tokens
from wwm.tokens.vocab import parse_vocab, read_vocab_bytes, replacement_ids

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
    ``return_sentence_labels`` also next_sentence_label."""

    def __init__(self, mask_token_id: int, random_token_ids: Sequence[int], strategy: str = 'wwm',
                 mask_unit: str = 'token', masked_lm_prob: float = 0.15, max_predictions: int = None,
                 ngram_probs: Sequence[float] = DEFAULT_NGRAM_PROBS, pad_token_id: int = 0,
                 return_sentence_labels: bool = False, generator=None):
        if strategy not in COLLATOR_STRATEGIES:
            raise ValueError('strategy must be one of %s' % ', '.join(COLLATOR_STRATEGIES))
        self._config = MaskingConfig(strategy, mask_unit, masked_lm_prob, max_predictions,
                                     tuple(ngram_probs))
        self._mask_token_id = mask_token_id
        self._random_token_ids = list(random_token_ids)
        self._pad_token_id = pad_token_id
        self._return_sentence_labels = return_sentence_labels
        self._generator = generator

    @classmethod
    def from_vocab_file(cls, vocab_file: str, **options) -> 'WholeWordMaskingCollator':
        """[MASK], [PAD] and the random-token ids from a BERT vocab (e.g. the dataset's vocab.txt)."""
        vocab = parse_vocab(read_vocab_bytes(vocab_file))
        return cls(vocab['[MASK]'], replacement_ids(vocab), pad_token_id=vocab['[PAD]'], **options)

    def _mask_example(self, feature: dict, rng) -> dict:
        if 'word_ids' not in feature:
            raise KeyError(MISSING_WORD_IDS % ', '.join(sorted(feature)))
        ids = _as_list(feature['input_ids'])
        mask = feature.get('attention_mask', feature.get('input_mask'))
        length = sum(_as_list(mask)) if mask is not None else len(ids)
        ids = ids[:length]
        words = _as_list(feature['word_ids'])[:length]
        segments = feature.get('token_type_ids', feature.get('segment_ids'))
        config = self._config
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
        rows = [self._mask_example(feature, rng) for feature in features]
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
