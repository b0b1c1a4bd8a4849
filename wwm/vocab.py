"""WordPiece vocabularies in Google's BERT layout: load one, or train one from a corpus.

Loading follows Google's ``tokenization.load_vocab``: the file is split on "\n" only and each line
is stripped. The real Chinese vocab has U+2028 on line 344, which ``str.splitlines()`` would split,
shifting every later id by one.
"""
import hashlib
import unicodedata

from apache_beam.io.filesystems import FileSystems

SPECIAL_TOKENS = ('[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]')
NUM_UNUSED = 99


def read_vocab_bytes(path: str) -> bytes:
    """The vocab file's bytes, from a local path or any Beam filesystem (gs://...)."""
    with FileSystems.open(path) as handle:
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


def train_vocab(texts, vocab_size: int, do_lower_case: bool) -> list:
    """Train a BERT-layout WordPiece vocab on an iterable of texts with the `tokenizers` trainer.

    Layout: [PAD], [unused1..99], [UNK], [CLS], [SEP], [MASK], then the trained pieces, then the
    "##" form of every CJK character in the vocab (Chinese wwm tools such as HFL's mark the
    non-initial characters of a word with them).
    """
    from tokenizers import BertWordPieceTokenizer

    tokenizer = BertWordPieceTokenizer(clean_text=True, handle_chinese_chars=True,
                                       strip_accents=None, lowercase=do_lower_case)
    specials = ['[PAD]'] + ['[unused%d]' % i for i in range(1, NUM_UNUSED + 1)] + list(SPECIAL_TOKENS[1:])
    tokenizer.train_from_iterator(texts, vocab_size=vocab_size, min_frequency=1,
                                  special_tokens=specials, limit_alphabet=20000,
                                  show_progress=False)
    trained = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
    tokens = [tok for tok, _ in trained]
    present = set(tokens)
    tokens += ['##' + tok for tok in tokens if _is_cjk(tok) and '##' + tok not in present]
    return tokens


def write_vocab(tokens, path: str) -> bytes:
    """Write one token a line and return the bytes written."""
    data = ''.join(tok + '\n' for tok in tokens).encode('utf-8')
    with FileSystems.create(path) as handle:
        handle.write(data)
    return data


def replacement_ids(vocab: dict) -> list:
    """Ids that the "random token" 10% of masking draws from: every real token, not the special or
    [unused] ones, nor the "##" forms of CJK characters (BERT never produces those for Chinese text)."""
    return sorted(index for token, index in vocab.items()
                  if token and token not in SPECIAL_TOKENS and not token.startswith('[unused')
                  and not (token.startswith('##') and _is_cjk(token[2:])))
