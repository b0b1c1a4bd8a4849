"""The TFRecord feature sets: the BERT contract (static masking) and its dynamic-masking sibling.

One ``tf.train.Example`` per instance. The order below is the order the features are written in,
which keeps the serialized bytes reproducible.

Static masking writes the BERT contract that ``run_pretraining.py``-style trainers parse: every
feature fixed-length. Dynamic masking writes no masks: the unmasked ids and, per token, its whole-word
group (``word_ids``, -1 at [CLS]/[SEP] and padding) plus HuggingFace's ``chinese_ref`` positions, the
one variable-length feature (``length`` None), so the trainer draws masks each epoch.
"""
from typing import NamedTuple

MASKING_MODES = ('static', 'dynamic')


class FeatureSpec(NamedTuple):
    name: str
    dtype: str          # 'int64' or 'float32'
    length: str         # 'max_seq_length', 'max_predictions_per_seq', '1' or 'variable'
    padding: int        # value of the padded positions
    meaning: str


STATIC_MASKING_FEATURES = (
    FeatureSpec('input_ids', 'int64', 'max_seq_length', 0, 'token ids, masked, 0-padded'),
    FeatureSpec('input_mask', 'int64', 'max_seq_length', 0, '1 for real tokens, 0 for padding'),
    FeatureSpec('segment_ids', 'int64', 'max_seq_length', 0, '0 for [CLS] A [SEP], 1 for B [SEP]'),
    FeatureSpec('masked_lm_positions', 'int64', 'max_predictions_per_seq', 0, 'sorted, 0-padded'),
    FeatureSpec('masked_lm_ids', 'int64', 'max_predictions_per_seq', 0, 'original ids, 0-padded'),
    FeatureSpec('masked_lm_weights', 'float32', 'max_predictions_per_seq', 0,
                '1.0 real, 0.0 padding'),
    FeatureSpec('next_sentence_labels', 'int64', '1', 0,
                'NSP: 1 when B is random; SOP: 1 when A and B are swapped; 0 without pairs'),
)

DYNAMIC_MASKING_FEATURES = (
    FeatureSpec('input_ids', 'int64', 'max_seq_length', 0, 'token ids, unmasked, 0-padded'),
    FeatureSpec('input_mask', 'int64', 'max_seq_length', 0, '1 for real tokens, 0 for padding'),
    FeatureSpec('segment_ids', 'int64', 'max_seq_length', 0, '0 for [CLS] A [SEP], 1 for B [SEP]'),
    FeatureSpec('word_ids', 'int64', 'max_seq_length', -1,
                'whole-word group of each token; -1 at [CLS], [SEP] and padding'),
    FeatureSpec('chinese_ref', 'int64', 'variable', 0,
                'positions ([CLS] = 0) of CJK tokens that continue a word, as HuggingFace uses'),
    FeatureSpec('next_sentence_labels', 'int64', '1', 0,
                'NSP: 1 when B is random; SOP: 1 when A and B are swapped; 0 without pairs'),
)


def features_for(masking: str) -> tuple:
    return STATIC_MASKING_FEATURES if masking == 'static' else DYNAMIC_MASKING_FEATURES


def feature_lengths(max_seq_length: int, max_predictions_per_seq: int, masking: str = 'static') -> dict:
    """name -> fixed length (None for a variable-length feature), for readers that build a spec."""
    sizes = {'max_seq_length': max_seq_length, 'max_predictions_per_seq': max_predictions_per_seq,
             '1': 1, 'variable': None}
    return {spec.name: sizes[spec.length] for spec in features_for(masking)}


def describe(max_seq_length: int, max_predictions_per_seq: int, masking: str = 'static') -> list:
    """The feature set as plain data, for the manifest."""
    lengths = feature_lengths(max_seq_length, max_predictions_per_seq, masking)
    return [{'name': s.name, 'dtype': s.dtype, 'length': lengths[s.name], 'padding': s.padding,
             'meaning': s.meaning} for s in features_for(masking)]
