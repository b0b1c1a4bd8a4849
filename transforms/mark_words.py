"""Dynamic masking: no masks, each instance carries its word boundaries for the trainer.

Fills TrainingInstance.word_ids and chinese_ref (see wwm.instances.word_boundaries); the trainer masks whole
words anew each epoch, e.g. with wwm.training.collator.
"""
import apache_beam as beam

from schemas.records import TrainingInstance
from wwm.instances.word_boundaries import chinese_ref, word_ids


def _mark(keyed_instance, chinese_ids):
    key, instance = keyed_instance
    words = word_ids(instance.group_ids)
    return key, TrainingInstance(list(instance.token_ids), list(instance.segment_ids),
                                 instance.next_sentence_label, [], [], words,
                                 chinese_ref(instance.token_ids, words, chinese_ids))


class MarkWords(beam.PTransform):
    """(InstanceKey, UnmaskedInstance) -> (InstanceKey, TrainingInstance) without masks.
    ``chinese_ids``: a PCollection of one frozenset, the ids of one-CJK-character tokens (from the
    run's tokenizer, which may be trained in the job)."""

    def __init__(self, chinese_ids):
        super().__init__()
        self._chinese_ids = chinese_ids

    def expand(self, instances):
        return instances | beam.Map(_mark, beam.pvalue.AsSingleton(self._chinese_ids))
