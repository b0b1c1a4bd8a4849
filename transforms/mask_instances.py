"""Static masking: each instance masked with its own seeded randomness (see wwm.instances.masking).

Besides the masked instances, outputs ``stats``: per instance a dict of counts for the manifest
(masked words, n-gram lengths, similar-word replacements and fallbacks).
"""
import apache_beam as beam

from wwm.hashing import seeded_rng
from wwm.instances.masking import mask_instance


class _Mask(beam.DoFn):
    def __init__(self, config, seed, mask_id, replacement_ids, load_similar_words):
        self._config = config
        self._seed = seed
        self._mask_id = mask_id
        self._replacement_ids = replacement_ids
        self._load_similar_words = load_similar_words
        self._similar_words = None

    def setup(self):
        if self._load_similar_words is not None:
            self._similar_words = self._load_similar_words()

    def process(self, keyed_instance):
        key, instance = keyed_instance
        rng = seeded_rng(self._seed, 'mask', *key)
        masked, stats = mask_instance(instance, self._config, rng, self._mask_id, self._replacement_ids,
                                      self._similar_words)
        yield key, masked
        yield beam.pvalue.TaggedOutput('stats', dict(stats))


class MaskInstances(beam.PTransform):
    """(InstanceKey, UnmaskedInstance) -> ``instances`` (InstanceKey, TrainingInstance) and ``stats``.

    ``load_similar_words``: a picklable callable returning the tokenized similar-word table
    (mac strategy), called once per worker.
    """

    def __init__(self, config, seed, mask_id, replacement_ids, load_similar_words=None):
        super().__init__()
        self._mask = _Mask(config, seed, mask_id, list(replacement_ids), load_similar_words)

    def expand(self, instances):
        return instances | beam.ParDo(self._mask).with_outputs('stats', main='instances')
