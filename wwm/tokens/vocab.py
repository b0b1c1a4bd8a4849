"""WordPiece vocabularies in Google's BERT layout: load one, or train one from a corpus.

Loading follows Google's ``tokenization.load_vocab``: the file is split on "\n" only and each line
is stripped. The real Chinese vocab has U+2028 on line 344, which ``str.splitlines()`` would split,
shifting every later id by one.
"""
import collections
import hashlib
import unicodedata

from wwm import filesystems

SPECIAL_TOKENS = ('[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]')
NUM_UNUSED = 99


def read_vocab_bytes(path: str) -> bytes:
    """The vocab file's bytes, from a local path or any Beam filesystem (gs://...)."""
    with filesystems.open_read(path) as handle:
        return handle.read()


def parse_vocab(data: bytes) -> dict:
    """token -> id, exactly as Google's reference tokenizer builds it (a later duplicate wins)."""
    lines = data.decode('utf-8').split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    return {line.strip(): index for index, line in enumerate(lines)}


def vocab_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_bert_layout(vocab: dict) -> None:
    """Raise ValueError unless the special tokens the pipeline writes are in the vocab."""
    missing = [tok for tok in SPECIAL_TOKENS if tok not in vocab]
    if missing:
        raise ValueError('vocab lacks the special token(s) %s' % ', '.join(missing))


def _is_cjk(char: str) -> bool:
    return len(char) == 1 and unicodedata.name(char, '').startswith('CJK ')


def _ranked(counter: collections.Counter) -> list:
    """Keys by falling count, ties by code point: the same order in every process."""
    return sorted(counter, key=lambda key: (-counter[key], key))


def train_vocab(texts, vocab_size: int, do_lower_case: bool) -> list:
    """A BERT-layout WordPiece vocab for the texts, the same for the same texts in any process.

    `tokenizers`' WordPiece trainer is not used: it breaks ties between equally frequent merges in
    a different order in each process, so the vocab (and every id after it) changed from run to run.
    Here pieces are counted after BERT's own normalization and pre-tokenization, and taken by
    frequency: [PAD], [unused1..99], [UNK], [CLS], [SEP], [MASK]; every character seen; the "##"
    form of every CJK character (HFL's Chinese wwm marks non-initial characters with them) and of
    every other character seen inside a word, so any seen word can be spelt; then whole words of
    two or more characters seen at least twice, most frequent first, up to ``vocab_size``.
    """
    from tokenizers import normalizers, pre_tokenizers

    normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                            strip_accents=None, lowercase=do_lower_case)
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    words = collections.Counter()
    for text in texts:
        words.update(word for word, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text)))
    chars, inner_chars = collections.Counter(), collections.Counter()
    for word, count in words.items():
        chars[word[0]] += count
        for char in word[1:]:
            chars[char] += count
            inner_chars[char] += count
    tokens = ['[PAD]'] + ['[unused%d]' % i for i in range(1, NUM_UNUSED + 1)] + list(SPECIAL_TOKENS[1:])
    tokens += _ranked(chars)
    tokens += ['##' + char for char in _ranked(chars) if _is_cjk(char) or char in inner_chars]
    long_words = collections.Counter({w: c for w, c in words.items() if len(w) > 1 and c > 1})
    tokens += _ranked(long_words)[:max(0, vocab_size - len(tokens))]
    return tokens


def replacement_ids(vocab: dict, special=SPECIAL_TOKENS) -> list:
    """Ids that the "random token" 10% of masking draws from: every real token, not the ``special``
    or [unused] ones, nor the "##" forms of CJK characters (BERT never produces those for Chinese
    text)."""
    return sorted(index for token, index in vocab.items()
                  if token and token not in special and not token.startswith('[unused')
                  and not (token.startswith('##') and _is_cjk(token[2:])))
