"""The BERT TFRecord feature contract (what ``run_pretraining.py``-style trainers parse).

One ``tf.train.Example`` per instance, every feature fixed-length. The order below is the order the
features are written in, which keeps the serialized bytes reproducible.
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


def feature_lengths(max_seq_length: int, max_predictions_per_seq: int) -> dict:
    """name -> fixed length, for readers that build a parsing spec."""
    sizes = {'max_seq_length': max_seq_length, 'max_predictions_per_seq': max_predictions_per_seq, '1': 1}
    return {spec.name: sizes[spec.length] for spec in STATIC_MASKING_FEATURES}


def describe(max_seq_length: int, max_predictions_per_seq: int) -> list:
    """The feature spec as plain data, for the manifest."""
    lengths = feature_lengths(max_seq_length, max_predictions_per_seq)
    return [{'name': s.name, 'dtype': s.dtype, 'length': lengths[s.name], 'meaning': s.meaning}
            for s in STATIC_MASKING_FEATURES]
