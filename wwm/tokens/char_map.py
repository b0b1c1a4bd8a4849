"""A map from the characters a vocab lacks to equivalents it has (--map_unknown_characters).

Google's Chinese vocab lacks the curly quotes, the dashes and the ellipsis of most news text, so
each becomes [UNK]. The map is one character to one character: every character offset of a
sentence stays valid, and word boundaries and token alignment are found through offsets.

A character is mapped only where the tokenizer makes it [UNK] on its own and makes its replacement
a known token. The replacement is the first such one of EXPLICIT (what NFKC leaves alone), else
the character's NFKC form where that is one character (full-width and other compatibility forms).
The tokenizer is asked through a ``known`` function, so any tokenizer can build a map: one with no
unknown character (a byte-level BPE) gets an empty map.
"""
import sys
import unicodedata
from typing import Callable, Dict, Optional

# Candidates, in order of preference, for characters NFKC does not map to one character.
EXPLICIT = {
    '“': '"', '”': '"', '„': '"', '‟': '"',
    '‘': "'", '’': "'", '‚': "'", '‛': "'",
    '‐': '-', '‑': '-', '‒': '-', '–': '-', '—': '-', '―': '-', '−': '-',
    '…': '⋯',  # Google's Chinese vocab has U+22EF, the midline ellipsis of 「⋯⋯」
}
_SURROGATES = range(0xD800, 0xE000)


def _candidates():
    """(character, replacement) pairs to try: EXPLICIT's, then every one-character NFKC form."""
    yield from EXPLICIT.items()
    for code in range(sys.maxunicode + 1):
        if code in _SURROGATES:
            continue
        char = chr(code)
        normal = unicodedata.normalize('NFKC', char)
        if len(normal) == 1 and normal != char and char not in EXPLICIT:
            yield char, normal


def character_map(known: Callable[[str], Optional[bool]]) -> Dict[str, str]:
    """{character: replacement} for every character ``known`` says is unknown (False) whose
    replacement it says is known (True). ``known(char)`` is the tokenizer's verdict on ``char``
    alone: True (known tokens), False (an unknown token) or None (no token: a space, a removed
    character), which is neither mapped nor used as a replacement."""
    verdicts = {}

    def verdict(char):
        if char not in verdicts:
            verdicts[char] = known(char)
        return verdicts[char]

    return {char: replacement for char, replacement in _candidates()
            if verdict(char) is False and verdict(replacement) is True}


def tokenizer_known(tokenizer, unk_id: Optional[int]) -> Callable[[str], Optional[bool]]:
    """``known`` for character_map from a `tokenizers` Tokenizer that encodes as the job does, and
    its unknown token's id (None: it has none, as a byte-level BPE, and knows every character)."""

    def known(char: str) -> Optional[bool]:
        ids = tokenizer.encode(char, add_special_tokens=False).ids
        return (unk_id not in ids) if ids else None

    return known


def translation_table(mapping: Dict[str, str]) -> Dict[int, str]:
    """``mapping`` as str.translate takes it."""
    return {ord(char): replacement for char, replacement in mapping.items()}
