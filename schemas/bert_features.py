"""The BERT TFRecord feature contract (what ``run_pretraining.py``-style trainers parse).

One ``tf.train.Example`` per instance, every feature fixed-length. The order below is the order the
features are written in, which keeps the serialized bytes reproducible. Dynamic masking writes
its own set: unmasked ids and the word boundaries the trainer masks from.
"""
from typing import NamedTuple


class FeatureSpec(NamedTuple):
    name: str
    dtype: str          # 'int64' or 'float32'
    length: str         # 'max_seq_length', 'max_predictions_per_seq' or '1'
    meaning: str


STATIC_MASKING_FEATURES = (
    FeatureSpec('input_ids', 'int64', 'max_seq_length', 'token ids, masked, 0-padded'),
    FeatureSpec('input_mask', 'int64', 'max_seq_length', '1 for real tokens, 0 for padding'),
    FeatureSpec('segment_ids', 'int64', 'max_seq_length', '0 for [CLS] A [SEP], 1 for B [SEP]'),
    FeatureSpec('masked_lm_positions', 'int64', 'max_predictions_per_seq', 'sorted, 0-padded'),
    FeatureSpec('masked_lm_ids', 'int64', 'max_predictions_per_seq', 'original ids, 0-padded'),
    FeatureSpec('masked_lm_weights', 'float32', 'max_predictions_per_seq', '1.0 real, 0.0 padding'),
    FeatureSpec('next_sentence_labels', 'int64', '1', '1 when B is a random segment'),
)


DYNAMIC_MASKING_FEATURES = (
    FeatureSpec('input_ids', 'int64', 'max_seq_length', 'token ids, not masked, 0-padded'),
    FeatureSpec('input_mask', 'int64', 'max_seq_length', '1 for real tokens, 0 for padding'),
    FeatureSpec('segment_ids', 'int64', 'max_seq_length', '0 for [CLS] A [SEP], 1 for B [SEP]'),
    FeatureSpec('word_ids', 'int64', 'max_seq_length',
                'whole-word number of each token (0, 1, ...), -1 at [CLS], [SEP] and padding'),
    FeatureSpec('chinese_ref', 'int64', 'max_seq_length',
                'positions of Chinese characters continuing a word ([CLS] = 0), 0-padded'),
    FeatureSpec('next_sentence_labels', 'int64', '1', '1 when B is random (nsp) or swapped (sop)'),
)


def feature_specs(masking: str = 'static') -> tuple:
    return DYNAMIC_MASKING_FEATURES if masking == 'dynamic' else STATIC_MASKING_FEATURES


def feature_lengths(max_seq_length: int, max_predictions_per_seq: int, masking: str = 'static') -> dict:
    """name -> fixed length, for readers that build a parsing spec."""
    sizes = {'max_seq_length': max_seq_length, 'max_predictions_per_seq': max_predictions_per_seq, '1': 1}
    return {spec.name: sizes[spec.length] for spec in feature_specs(masking)}


def describe(max_seq_length: int, max_predictions_per_seq: int, masking: str = 'static') -> list:
    """The feature spec as plain data, for the manifest."""
    lengths = feature_lengths(max_seq_length, max_predictions_per_seq, masking)
    return [{'name': s.name, 'dtype': s.dtype, 'length': lengths[s.name], 'meaning': s.meaning}
            for s in feature_specs(masking)]
