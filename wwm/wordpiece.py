"""WordPiece tokenization with exact token-to-word alignment.

Each sentence is tokenized as a whole, exactly as BERT's reference tokenizer would, and every token
is mapped to the segmenter word(s) that contain it through character offsets. Feeding words to
WordPiece one by one would change ids (``1920×1080`` becomes ``1920 × 1080``), so we never do.
A token that straddles two words joins them into one masking group.
"""
import itertools
from typing import List, NamedTuple, Sequence, Tuple

from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

from wwm.kernels import group_tokens  # in C where built; the reference is kernels.py_group_tokens


def build_tokenizer(vocab: dict, do_lower_case: bool) -> Tokenizer:
    """A `tokenizers` WordPiece tokenizer equivalent to Google's BERT FullTokenizer."""
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token='[UNK]', max_input_chars_per_word=100))
    tokenizer.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=do_lower_case)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    return tokenizer


def word_spans(sentence: str, words: Sequence[str]) -> Tuple[List[Tuple[int, int]], int]:
    """Character span of each word in ``sentence``, found left to right.

    Segmenters may drop or add whitespace around words; a word that cannot be found at or after the
    current position gets the span (-1, -1). Returns the spans and the count of such words.
    """
    if ''.join(words) == sentence:
        if sentence.isprintable() and ' ' not in sentence:
            ends = list(itertools.accumulate(map(len, words)))
            return list(zip([0] + ends[:-1], ends)), 0
        return _spans_of_exact_words(words), 0
    spans = []
    missing = 0
    cursor = 0
    for word in words:
        word = word.strip()
        if not word:
            continue
        start = sentence.find(word, cursor)
        if start < 0:
            spans.append((-1, -1))
            missing += 1
            continue
        spans.append((start, start + len(word)))
        cursor = start + len(word)
    return spans, missing


def _spans_of_exact_words(words: Sequence[str]) -> List[Tuple[int, int]]:
    """Spans when the words concatenate to the sentence (jieba's case): no search needed."""
    spans = []
    start = 0
    for word in words:
        stripped = word.strip()
        if stripped:
            first = start + word.index(stripped)
            spans.append((first, first + len(stripped)))
        start += len(word)
    return spans


class AlignedSentence(NamedTuple):
    """Token ids of a sentence and, per token, its masking-group number (consecutive equal numbers
    form one group; numbers increase along the sentence)."""
    token_ids: List[int]
    group_ids: List[int]
    unaligned_tokens: int


def align_sentence(tokenizer: Tokenizer, sentence: str, words: Sequence[str],
                   first_group: int = 0) -> AlignedSentence:
    """Tokenize ``sentence`` and attach the segmenter's word groups to its tokens."""
    return align_encoding(tokenizer.encode(sentence, add_special_tokens=False), sentence, words,
                          first_group)


def align_encoding(encoding, sentence: str, words: Sequence[str], first_group: int = 0) -> AlignedSentence:
    """Attach the segmenter's word groups to the tokens of ``encoding``, the tokenizer's output for
    ``sentence`` (from ``encode`` or, a document at a time, ``encode_batch``)."""
    spans, _ = word_spans(sentence, words)
    groups, unaligned = group_tokens(encoding.offsets, encoding.word_ids, spans, len(sentence), first_group)
    return AlignedSentence(list(encoding.ids), groups, unaligned)
