"""Statistics of a written dataset, gathered one instance at a time (memory: a few counters).

What the inspector prints and plots: sequence lengths, how the masked positions were written
(static masking: [MASK], a random token, or kept), masked positions per instance (static), whole-word
group sizes (dynamic masking) and the share of next-sentence label 1.
"""
from collections import Counter


class DatasetStats:
    def __init__(self, mask_id: int):
        self._mask_id = mask_id
        self.instances = 0
        self.tokens = 0
        self.positive_labels = 0
        self.lengths = Counter()
        self.masked = Counter()          # 'mask', 'replaced', 'kept' -> positions
        self.predictions = Counter()     # masked positions in an instance -> instances (static)
        self.group_sizes = Counter()     # tokens per whole-word group -> groups

    def add(self, instance) -> None:
        self.instances += 1
        self.tokens += len(instance.input_ids)
        self.positive_labels += instance.next_sentence_label
        self.lengths[len(instance.input_ids)] += 1
        if not instance.word_ids:
            self.predictions[len(instance.masked_lm_positions)] += 1
        for position, original in zip(instance.masked_lm_positions, instance.masked_lm_ids):
            written = instance.input_ids[position]
            kind = 'mask' if written == self._mask_id else 'kept' if written == original else 'replaced'
            self.masked[kind] += 1
        groups = Counter(group for group in instance.word_ids if group >= 0)
        self.group_sizes.update(groups.values())

    def masked_share(self) -> float:
        """Masked positions per token ([CLS] and [SEP] counted, as in the reference)."""
        return sum(self.masked.values()) / self.tokens if self.tokens else 0.0
