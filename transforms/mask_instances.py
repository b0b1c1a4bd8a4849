"""Static masking: each instance masked with its own seeded randomness (see wwm.instances.masking).

Besides the masked instances, outputs ``stats``: per instance a dict of counts for the manifest
(masked words, n-gram lengths, similar-word replacements and fallbacks).
"""
import apache_beam as beam

from wwm.hashing import seeded_rng
from wwm.instances.masking import mask_instance


class _Mask(beam.DoFn):
    def __init__(self, config, seed, mask_id):
        self._config = config
        self._seed = seed
        self._mask_id = mask_id

    def process(self, keyed_instance, replacement_ids, similar_words=None):
        key, instance = keyed_instance
        rng = seeded_rng(self._seed, 'mask', *key)
        masked, stats = mask_instance(instance, self._config, rng, self._mask_id, replacement_ids,
                                      similar_words)
        yield key, masked
        yield beam.pvalue.TaggedOutput('stats', dict(stats))


class MaskInstances(beam.PTransform):
    """(InstanceKey, UnmaskedInstance) -> ``instances`` (InstanceKey, TrainingInstance) and ``stats``.
    ``replacement_ids``: a PCollection of one list, the ids the random 10% draws from;
    ``similar_words``: None, or a PCollection of one tokenized similar-word table (mac strategy).
    Both come from the run's tokenizer, which may be trained in the job.
    """

    def __init__(self, config, seed, mask_id, replacement_ids, similar_words=None):
        super().__init__()
        self._mask = _Mask(config, seed, mask_id)
        self._side_inputs = [beam.pvalue.AsSingleton(replacement_ids)]
        if similar_words is not None:
            self._side_inputs.append(beam.pvalue.AsSingleton(similar_words))

    def expand(self, instances):
        return instances | beam.ParDo(self._mask, *self._side_inputs).with_outputs(
            'stats', main='instances')
