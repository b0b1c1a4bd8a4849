"""Word boundaries that dynamic-masking instances carry, so the trainer masks whole words each epoch.

Two forms of the same information:
- ``word_ids``: per token, the number of its whole-word group within the instance (0, 1, 2, ... in
  order), -1 at [CLS] and [SEP]; what ``tokenizers``' ``word_ids()`` gives for pre-split text.
- ``chinese_ref``: HuggingFace's ``run_chinese_ref.py`` form: the positions, counting [CLS] as 0, of
  tokens that are one Chinese character and continue the word of the token before them.
"""
from typing import FrozenSet, List, Sequence

from wwm.instances.pairs import NO_GROUP

# The CJK ideograph blocks of BERT's ``_is_chinese_char`` (the definition HuggingFace's chinese_ref
# uses): Unified Ideographs, Extensions A-E, Compatibility Ideographs and their Supplement.
_CHINESE_CHAR_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
                        (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


def is_chinese_char(char: str) -> bool:
    return len(char) == 1 and any(low <= ord(char) <= high for low, high in _CHINESE_CHAR_RANGES)


def chinese_char_ids(vocab: dict) -> FrozenSet[int]:
    """Ids of the vocab tokens that are a single Chinese character (not their "##" forms)."""
    return frozenset(index for token, index in vocab.items() if is_chinese_char(token))


def word_ids(group_ids: Sequence[int]) -> List[int]:
    """Masking groups renumbered 0, 1, 2... along the instance; -1 at [CLS]/[SEP]."""
    numbered = []
    word = -1
    previous = NO_GROUP
    for group in group_ids:
        if group == NO_GROUP:
            numbered.append(-1)
        else:
            if group != previous:
                word += 1
            numbered.append(word)
        previous = group
    return numbered


def chinese_ref(token_ids: Sequence[int], words: Sequence[int], chinese_ids: FrozenSet[int]) -> List[int]:
    """Positions of single-Chinese-character tokens in the same word as the token before them."""
    return [position for position in range(1, len(token_ids))
            if words[position] >= 0 and words[position] == words[position - 1]
            and token_ids[position] in chinese_ids]
