"""An unpadded TrainingInstance as the fixed-length arrays of the BERT feature contract.

Shared by the TFRecord encoder and the PyTorch dataset, so a trainer sees the same padded values
whichever format it reads. Which features, their lengths and padding: schemas/bert_features.py.
"""
import functools

from schemas.bert_features import features_for, feature_lengths


@functools.lru_cache(maxsize=None)
def feature_layout(masking: str, max_seq_length: int, max_predictions_per_seq: int) -> tuple:
    """(spec, fixed length or None) per feature: the same for every instance of a dataset, so it
    is built once, not per instance on the encoder's hot path."""
    lengths = feature_lengths(max_seq_length, max_predictions_per_seq, masking)
    return tuple((spec, lengths[spec.name]) for spec in features_for(masking))


def unpadded_features(instance, masking: str, max_seq_length: int, max_predictions_per_seq: int) -> list:
    """(spec, values, how many padding values follow) for every feature of the masking mode, in
    the spec's order. The encoder writes the padding without building the padded lists."""
    predictions = len(instance.masked_lm_positions)
    values = {
        'input_ids': instance.input_ids,
        'input_mask': [1] * len(instance.input_ids),
        'segment_ids': instance.segment_ids,
        'masked_lm_positions': instance.masked_lm_positions,
        'masked_lm_ids': instance.masked_lm_ids,
        'masked_lm_weights': [1.0] * predictions,
        'word_ids': instance.word_ids,
        'chinese_ref': instance.chinese_ref,
        'next_sentence_labels': [instance.next_sentence_label],
    }
    features = []
    for spec, length in feature_layout(masking, max_seq_length, max_predictions_per_seq):
        given = values[spec.name]
        features.append((spec, given, 0 if length is None else length - len(given)))
    return features


def padded_features(instance, masking: str, max_seq_length: int, max_predictions_per_seq: int) -> dict:
    """name -> values for every feature of the masking mode, in the spec's order."""
    return {spec.name: list(given) + [spec.padding] * padding
            for spec, given, padding in unpadded_features(instance, masking, max_seq_length,
                                                          max_predictions_per_seq)}
