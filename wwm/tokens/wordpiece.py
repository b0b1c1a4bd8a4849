"""WordPiece tokenization with exact token-to-word alignment.

Each sentence is tokenized as a whole, exactly as BERT's reference tokenizer would, and every token
is mapped to the segmenter word(s) that contain it through character offsets. Feeding words to
WordPiece one by one would change ids (``1920×1080`` becomes ``1920 × 1080``), so we never do.
A token that straddles two words joins them into one masking group.

`tokenizers` is the reference. WordPieceEncoder gives the sentences made only of common characters
(ideographs, ASCII, punctuation: nearly all Chinese text) to wwm/native/_wordpiece.c, several times
faster, and the others to `tokenizers`; the tokens are the same either way.
"""
import itertools
import unicodedata
from typing import List, NamedTuple, Sequence, Tuple

from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

from wwm.native.kernels import group_tokens  # in C where built; the reference is kernels.py_group_tokens
from wwm.native import c_wordpiece as _wordpiece  # None where not built: `tokenizers` does it all

MAX_CHARS_PER_WORD = 100  # longer words are one [UNK], as in BERT
# Character classes of wwm/native/_wordpiece.c: OTHER sentences go to `tokenizers`.
OTHER, SPACE, IDEOGRAPH, PUNCTUATION, WORD, UPPER = range(6)
_BMP = 0x10000
# The blocks guessed from Python's unicodedata (Latin, punctuation and symbols, kana, ideographs,
# full-width forms); characters elsewhere are left to `tokenizers`, whose Unicode tables are older.
_GUESSED_BLOCKS = ((0x0000, 0x024F), (0x2000, 0x2BFF), (0x3000, 0x30FF), (0x3400, 0x4DBF),
                   (0x4E00, 0x9FFF), (0xFF00, 0xFFEF))


def build_tokenizer(vocab: dict, do_lower_case: bool) -> Tokenizer:
    """A `tokenizers` WordPiece tokenizer equivalent to Google's BERT FullTokenizer."""
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token='[UNK]',
                                           max_input_chars_per_word=MAX_CHARS_PER_WORD))
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
    form one group; numbers increase along the sentence), with the counts of tokens outside every
    segmenter word and of tokens spanning several (whose group is the union of those words)."""
    token_ids: List[int]
    group_ids: List[int]
    unaligned_tokens: int
    multi_word_tokens: int = 0


def align_sentence(tokenizer: Tokenizer, sentence: str, words: Sequence[str],
                   first_group: int = 0) -> AlignedSentence:
    """Tokenize ``sentence`` and attach the segmenter's word groups to its tokens."""
    return align_encoding(tokenizer.encode(sentence, add_special_tokens=False), sentence, words,
                          first_group)


def align_encoding(encoding, sentence: str, words: Sequence[str], first_group: int = 0,
                   joins_pieces: bool = True) -> AlignedSentence:
    """Attach the segmenter's word groups to the tokens of ``encoding``, the tokenizer's output for
    ``sentence`` (from ``encode`` or, a document at a time, ``encode_batch``). With ``joins_pieces``
    (WordPiece) the pieces of one pre-tokenizer word are one group too; other models' pre-tokenizer
    words (a byte-level BPE's whole run of Chinese characters) say nothing of Chinese words."""
    spans, _ = word_spans(sentence, words)
    piece_words = encoding.word_ids if joins_pieces else [None] * len(encoding.ids)
    groups, unaligned, multi_word = group_tokens(encoding.offsets, piece_words, spans, len(sentence),
                                                 first_group)
    return AlignedSentence(list(encoding.ids), groups, unaligned, multi_word)


class Encoded(NamedTuple):
    """A sentence's tokens, as `tokenizers`' Encoding names them: ids, character spans in the
    sentence, and the number of the pre-tokenizer word each token comes from."""
    ids: List[int]
    offsets: List[Tuple[int, int]]
    word_ids: List[int]


class TokenizerEncoder:
    """A `tokenizers` Tokenizer's tokens for sentences (no special tokens added), and the
    characters behind its unknown tokens. ``unk_id`` None: the model has no unknown token."""

    def __init__(self, tokenizer: Tokenizer, unk_id, joins_pieces: bool = True):
        self.tokenizer = tokenizer
        self.unk_id = unk_id
        self.joins_pieces = joins_pieces
        self._unknown = {}

    def unknown_characters(self, sentence: str, encoding) -> List[str]:
        """The characters of ``sentence`` behind the [UNK] tokens of its ``encoding``: for each
        [UNK], the characters of its span that are [UNK] on their own (a punctuation mark is its
        whole span; a word longer than MAX_CHARS_PER_WORD may name none). Only called for the
        sentences that hold an [UNK]."""
        chars = []
        for token_id, (start, end) in zip(encoding.ids, encoding.offsets):
            if token_id == self.unk_id:
                span = sentence[start:end]
                chars.extend(span if len(span) == 1 else filter(self.is_unknown, span))
        return chars

    def is_unknown(self, char: str) -> bool:
        """Whether ``char`` alone is one [UNK] (remembered: the same few characters recur)."""
        unknown = self._unknown.get(char)
        if unknown is None:
            ids = self.tokenizer.encode(char, add_special_tokens=False).ids
            unknown = self._unknown[char] = self.unk_id is not None and ids == [self.unk_id]
        return unknown

    def encode_batch(self, sentences: Sequence[str]) -> list:
        """A `tokenizers` Encoding per sentence, without special tokens."""
        return self.tokenizer.encode_batch(sentences, add_special_tokens=False)

    def align(self, encoding, sentence: str, words: Sequence[str], first_group: int) -> AlignedSentence:
        """align_encoding, as this model groups its pieces."""
        return align_encoding(encoding, sentence, words, first_group, self.joins_pieces)


class WordPieceEncoder(TokenizerEncoder):
    """`build_tokenizer`'s tokens for sentences, with wwm/native/_wordpiece.c where it was built."""

    def __init__(self, vocab: dict, do_lower_case: bool):
        super().__init__(build_tokenizer(vocab, do_lower_case), vocab['[UNK]'])
        self._table = None
        if _wordpiece is not None:
            tokens = list(vocab)
            self._table = _wordpiece.table(character_classes(self.tokenizer), tokens,
                                           [vocab[token] for token in tokens], vocab['[UNK]'],
                                           MAX_CHARS_PER_WORD)

    def encode_batch(self, sentences: Sequence[str]) -> list:
        """An Encoded (or a `tokenizers` Encoding) per sentence, without special tokens."""
        if self._table is None:
            return super().encode_batch(sentences)
        encoded = [_wordpiece.encode(self._table, sentence) for sentence in sentences]
        left = [index for index, tokens in enumerate(encoded) if tokens is None]
        if left:
            for index, encoding in zip(left, super().encode_batch([sentences[index] for index in left])):
                encoded[index] = encoding
        return [Encoded(*tokens) if type(tokens) is tuple else tokens for tokens in encoded]


def character_classes(tokenizer: Tokenizer) -> bytes:
    """The class of each Basic Multilingual Plane character for wwm/native/_wordpiece.c, as ``tokenizer``
    treats it: read off its normalizer and pre-tokenizer, not assumed.

    A guess from Python's unicodedata is checked against the tokenizer in two calls over all the
    guessed characters; if the tokenizer disagrees anywhere (another Unicode version, another
    normalizer), each character is asked separately (about 0.3 s).
    """
    lowercase = tokenizer.normalizer.normalize_str('A') == 'a'
    guessed = bytearray(_BMP)
    for first, last in _GUESSED_BLOCKS:
        guessed[first:last + 1] = bytes(_guess(code, lowercase) for code in range(first, last + 1))
    guessed = bytes(guessed)
    if _agrees(tokenizer, guessed):
        return guessed
    return bytes(_ask(tokenizer, chr(code)) if not 0xD800 <= code <= 0xDFFF else OTHER
                 for code in range(_BMP))


def _guess(code: int, lowercase: bool) -> int:
    char = chr(code)
    category = unicodedata.category(char)
    if char in '\t\n\r' or category in ('Zs', 'Zl', 'Zp'):
        return SPACE
    if category[0] in 'CM' or unicodedata.combining(char):
        return OTHER  # removed, or may change with its neighbours
    if unicodedata.normalize('NFD', char) != char:
        return OTHER  # loses its accent, or is decomposed
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF:
        return IDEOGRAPH
    if lowercase and char.lower() != char:
        return UPPER if 'A' <= char <= 'Z' else OTHER
    if category[0] == 'P' or code < 0x80 and not char.isalnum():
        return PUNCTUATION
    return WORD


def _agrees(tokenizer: Tokenizer, classes: bytes) -> bool:
    """Whether ``tokenizer`` treats every character as ``classes`` says (OTHER ones aside)."""
    chars = [chr(code) for code in range(_BMP) if classes[code] != OTHER]
    normal = {SPACE: lambda char: ' ', IDEOGRAPH: ' {} '.format, UPPER: str.lower}
    expected = ''.join([normal.get(classes[ord(char)], str)(char) for char in chars])
    if tokenizer.normalizer.normalize_str(''.join(chars)) != expected:
        return False
    in_words = [char for char in chars if classes[ord(char)] in (PUNCTUATION, WORD)]
    pieces = [piece for piece, _ in tokenizer.pre_tokenizer.pre_tokenize_str(
        ' '.join(['a%sa' % char for char in in_words]))]
    return pieces == [piece for char in in_words for piece in (
        ('a', char, 'a') if classes[ord(char)] == PUNCTUATION else ('a%sa' % char,))]


def _ask(tokenizer: Tokenizer, char: str) -> int:
    normal = tokenizer.normalizer.normalize_str(char)
    if normal == ' ':
        return SPACE
    if normal == ' %s ' % char:
        return IDEOGRAPH
    if unicodedata.combining(char) or unicodedata.category(char)[0] == 'M':
        return OTHER
    if normal == char:
        pieces = [piece for piece, _ in tokenizer.pre_tokenizer.pre_tokenize_str('a%sa' % char)]
        return {3: PUNCTUATION, 1: WORD}.get(len(pieces), OTHER) if ''.join(pieces) == 'a%sa' % char \
            else OTHER
    if 'A' <= char <= 'Z' and normal == char.lower():
        return UPPER
    return OTHER
