"""Static masking: each instance masked with its own seeded randomness (see wwm.masking)."""
import apache_beam as beam

from wwm.hashing import seeded_rng
from wwm.masking import mask_instance


class _Mask(beam.DoFn):
    def __init__(self, masked_lm_prob, max_predictions_per_seq, whole_word, seed, mask_id,
                 replacement_ids):
        self._masked_lm_prob = masked_lm_prob
        self._max_predictions = max_predictions_per_seq
        self._whole_word = whole_word
        self._seed = seed
        self._mask_id = mask_id
        self._replacement_ids = replacement_ids

    def process(self, keyed_instance):
        key, instance = keyed_instance
        rng = seeded_rng(self._seed, 'mask', *key)
        yield key, mask_instance(instance.token_ids, instance.segment_ids, instance.group_ids,
                                 instance.is_random_next, self._masked_lm_prob, self._max_predictions,
                                 self._whole_word, self._mask_id, self._replacement_ids, rng)


class MaskInstances(beam.PTransform):
    """(InstanceKey, PairInstance) -> (InstanceKey, TrainingInstance)."""

    def __init__(self, masked_lm_prob, max_predictions_per_seq, whole_word, seed, mask_id,
                 replacement_ids):
        super().__init__()
        self._mask = _Mask(masked_lm_prob, max_predictions_per_seq, whole_word, seed, mask_id,
                           list(replacement_ids))

    def expand(self, instances):
        return instances | beam.ParDo(self._mask)
