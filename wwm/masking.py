"""Static masked-LM predictions with whole word masking, as Google's reference computes them.

Candidates are the masking groups of an instance (whole words for ``wwm``, single tokens for
``token``); they are shuffled and taken while the prediction budget allows, then every chosen token is
replaced by [MASK] 80% of the time, kept 10%, and replaced by a random vocab token 10%.
"""
from typing import List, Sequence

from schemas.records import TrainingInstance
from wwm.instances import NO_GROUP


def num_predictions(num_tokens: int, masked_lm_prob: float, max_predictions_per_seq: int) -> int:
    """The reference formula; ``num_tokens`` counts [CLS] and [SEP]."""
    return min(max_predictions_per_seq, max(1, int(round(num_tokens * masked_lm_prob))))


def candidate_groups(group_ids: Sequence[int], whole_word: bool) -> List[List[int]]:
    """Token positions of each maskable group: runs of one group number; [CLS]/[SEP] excluded."""
    candidates = []
    previous = NO_GROUP
    for position, group in enumerate(group_ids):
        if group == NO_GROUP:
            previous = NO_GROUP
            continue
        if whole_word and candidates and group == previous:
            candidates[-1].append(position)
        else:
            candidates.append([position])
        previous = group
    return candidates


def mask_instance(token_ids: Sequence[int], segment_ids: Sequence[int], group_ids: Sequence[int],
                  is_random_next: bool, masked_lm_prob: float, max_predictions_per_seq: int,
                  whole_word: bool, mask_id: int, replacement_ids: Sequence[int], rng) -> TrainingInstance:
    """Choose and apply the masked-LM predictions of one instance."""
    candidates = candidate_groups(group_ids, whole_word)
    rng.shuffle(candidates)
    budget = num_predictions(len(token_ids), masked_lm_prob, max_predictions_per_seq)
    output = list(token_ids)
    chosen = []
    for group in candidates:
        if len(chosen) >= budget:
            break
        if len(chosen) + len(group) > budget:
            continue
        for position in group:
            if rng.random() < 0.8:
                output[position] = mask_id
            elif rng.random() < 0.5:
                output[position] = token_ids[position]
            else:
                output[position] = replacement_ids[rng.randint(0, len(replacement_ids) - 1)]
            chosen.append(position)
    chosen.sort()
    return TrainingInstance(output, list(segment_ids), int(is_random_next), chosen,
                            [token_ids[p] for p in chosen], [], [])
