"""The job's tokenizer: Google's BERT vocab.txt, or any HuggingFace `tokenizers` model (tokenizer.json:
WordPiece, BPE including byte-level BPE, Unigram).

A TokenizerFile is made once on the launching machine and handed to the stages as it is: its bytes
travel to the workers, each of which builds its encoder there (a live tokenizer is not pickled). It
names the ids the stages write ([CLS], [SEP], [MASK], [PAD] and [UNK] where the model has one, by
role), the ids masking's random 10% draws from, and the single-CJK-character ids of ``chinese_ref``.

Special tokens are looked up in the tokenizer by name: BERT's ([CLS] [SEP] [MASK] [PAD] [UNK]), else
RoBERTa's (<s> </s> <mask> <pad> <unk>), each role separately, unless ``--special_tokens`` names
them. Token ids are always those of the tokenizer's own ``encode(sentence, add_special_tokens=False)``:
a tokenizer.json's truncation and padding settings are turned off, its normalizer and pre-tokenizer
kept.
"""
import hashlib
import json
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from schemas.output_layout import TOKENIZER_NAME, VOCAB_NAME
from wwm.instances.word_boundaries import is_chinese_char
from wwm.tokens import vocab as vocab_lib

VOCAB, TOKENIZER_JSON = 'vocab', 'tokenizer.json'
ROLES = ('cls', 'sep', 'mask', 'pad', 'unk')
REQUIRED_ROLES = ('cls', 'sep', 'mask', 'pad')  # a byte-level BPE has no unknown token
# The names looked up for each role, first BERT's, then RoBERTa's.
BERT_NAMES = {'cls': '[CLS]', 'sep': '[SEP]', 'mask': '[MASK]', 'pad': '[PAD]', 'unk': '[UNK]'}
STYLES = (BERT_NAMES,
          {'cls': '<s>', 'sep': '</s>', 'mask': '<mask>', 'pad': '<pad>', 'unk': '<unk>'})


class TokenizerFile(NamedTuple):
    """A tokenizer as its file: ``kind`` VOCAB (a BERT vocab.txt, tokenized as Google's BERT with
    ``do_lower_case``) or TOKENIZER_JSON; ``special_tokens`` the role=token pairs given by option."""
    kind: str
    data: bytes
    do_lower_case: bool = True
    special_tokens: Tuple[Tuple[str, str], ...] = ()

    @property
    def file_name(self) -> str:
        """The name it has in a dataset folder."""
        return VOCAB_NAME if self.kind == VOCAB else TOKENIZER_NAME

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def hf_tokenizer(self):
        """A `tokenizers` Tokenizer that encodes as the job does (no truncation, no padding)."""
        from tokenizers import Tokenizer
        from wwm.tokens.wordpiece import build_tokenizer

        if self.kind == VOCAB:
            return build_tokenizer(vocab_lib.parse_vocab(self.data), self.do_lower_case)
        tokenizer = Tokenizer.from_str(self.data.decode('utf-8'))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        return tokenizer

    def vocab(self) -> Dict[str, int]:
        """token -> id, added tokens included."""
        if self.kind == VOCAB:
            return vocab_lib.parse_vocab(self.data)
        return self.hf_tokenizer().get_vocab(with_added_tokens=True)

    def id_bound(self) -> int:
        """One more than the largest id: what the narrowest integer type of its ids must hold."""
        return max(self.vocab().values()) + 1

    @property
    def model_type(self) -> str:
        """WordPiece, BPE, Unigram or WordLevel: what `tokenizers` calls the model."""
        if self.kind == VOCAB:
            return 'WordPiece'
        return json.loads(self.data)['model']['type']

    def special_ids(self) -> Dict[str, int]:
        """role -> id of every special token the tokenizer has (REQUIRED_ROLES always)."""
        return special_ids(self.vocab(), dict(self.special_tokens))

    def info(self, source: str) -> dict:
        """What the manifest says of it."""
        vocab = self.vocab()
        named = special_tokens(vocab, dict(self.special_tokens))
        return {'source': source, 'file': self.file_name, 'model': self.model_type,
                'size': len(vocab), 'sha256': self.sha256,
                'special_tokens': {role: [token, vocab[token]] for role, token in named.items()}}

    def replacement_ids(self) -> List[int]:
        """The ids masking's random 10% draws from: every token but the special ones, the [unused]
        ones and the "##" forms of CJK characters (wwm.tokens.vocab.replacement_ids)."""
        vocab = self.vocab()
        special = set(special_tokens(vocab, dict(self.special_tokens)).values())
        if self.kind == TOKENIZER_JSON:
            special.update(token['content'] for token in json.loads(self.data).get('added_tokens', ())
                           if token.get('special'))
        return vocab_lib.replacement_ids(vocab, special)

    def chinese_char_ids(self) -> frozenset:
        """Ids of the tokens that are one CJK character (as decoded: a byte-level token's text is
        not its characters), which ``chinese_ref`` marks."""
        if self.kind == VOCAB or self.model_type == 'WordPiece':
            return frozenset(i for token, i in self.vocab().items() if is_chinese_char(token))
        tokenizer = self.hf_tokenizer()
        return frozenset(i for i in range(tokenizer.get_vocab_size(with_added_tokens=True))
                         if is_chinese_char(tokenizer.decode([i], skip_special_tokens=False)))

    def token_texts(self) -> Dict[int, str]:
        """id -> the text a person reads for the token: a vocab's token, another model's decoded
        token (a byte-level token's characters, not its byte symbols)."""
        if self.kind == VOCAB:
            return {i: token for token, i in vocab_lib.parse_vocab(self.data).items()}
        tokenizer = self.hf_tokenizer()
        return {i: tokenizer.decode([i], skip_special_tokens=False) or token
                for token, i in tokenizer.get_vocab(with_added_tokens=True).items()}

    def encoder(self):
        """What tokenizes sentences on a worker (wwm.tokens.wordpiece.WordPieceEncoder for a vocab)."""
        from wwm.tokens.wordpiece import TokenizerEncoder, WordPieceEncoder

        if self.kind == VOCAB:
            return WordPieceEncoder(vocab_lib.parse_vocab(self.data), self.do_lower_case)
        return TokenizerEncoder(self.hf_tokenizer(), self.special_ids().get('unk'),
                                joins_pieces=self.model_type == 'WordPiece')


def special_tokens(vocab: Dict[str, int], named: Dict[str, str]) -> Dict[str, str]:
    """role -> token for each role found: the token ``named`` gives, else the first style's name
    the vocab has."""
    found = {}
    for role in ROLES:
        if role in named:
            found[role] = named[role]
            continue
        for style in STYLES:
            if style[role] in vocab:
                found[role] = style[role]
                break
    return found


def special_ids(vocab: Dict[str, int], named: Dict[str, str]) -> Dict[str, int]:
    """role -> id; ValueError naming what is missing (a required role, or a named token)."""
    found = special_tokens(vocab, named)
    absent = ['%s=%s' % (role, token) for role, token in found.items() if token not in vocab]
    if absent:
        raise ValueError('the tokenizer has no token %s' % ', '.join(absent))
    missing = [role for role in REQUIRED_ROLES if role not in found]
    if missing:
        raise ValueError('no %s token found (looked for %s); name it with --special_tokens %s=TOKEN'
                         % (', '.join(missing), ' or '.join(
                             '/'.join(style[role] for style in STYLES) for role in missing),
                            missing[0]))
    return {role: vocab[token] for role, token in found.items()}


def parse_special_tokens(value: Optional[str]) -> Tuple[Tuple[str, str], ...]:
    """``cls=<s>,sep=</s>`` -> (('cls', '<s>'), ('sep', '</s>')); ValueError on an unknown role."""
    pairs = []
    for item in filter(None, (value or '').split(',')):
        role, sep, token = item.partition('=')
        if not sep or role.strip() not in ROLES or not token.strip():
            raise ValueError('expected ROLE=TOKEN with ROLE one of %s, got %r' % (', '.join(ROLES), item))
        pairs.append((role.strip(), token.strip()))
    return tuple(sorted(pairs))


def load_tokenizer_json(data: bytes, special: Sequence[Tuple[str, str]] = ()) -> TokenizerFile:
    """A TOKENIZER_JSON TokenizerFile, checked: it loads and names its special tokens (ValueError)."""
    from tokenizers import Tokenizer

    try:
        Tokenizer.from_str(data.decode('utf-8'))
    except Exception as error:  # pylint: disable=broad-except  (tokenizers raises its own types)
        raise ValueError('not a tokenizers tokenizer.json: %s' % str(error).splitlines()[0]) from None
    tokenizer = TokenizerFile(TOKENIZER_JSON, data, special_tokens=tuple(special))
    tokenizer.special_ids()
    return tokenizer


def trained_tokenizer_file(data: bytes, kind: str, do_lower_case: bool) -> TokenizerFile:
    """The TokenizerFile of a tokenizer.json trained in the job (wwm.tokens.tokenizer_training): a
    WordPiece one as BERT's vocab.txt (Google's format, tokenized by the fast path), a BPE one as
    itself."""
    if kind != 'wordpiece':
        return TokenizerFile(TOKENIZER_JSON, data)
    vocab = json.loads(data)['model']['vocab']
    tokens = sorted(vocab, key=vocab.get)
    return TokenizerFile(VOCAB, ''.join(token + '\n' for token in tokens).encode('utf-8'), do_lower_case)


class PerTokenizer:
    """``make(tokenizer)``, made once per tokenizer on a worker, not once per element: a side
    input's value may be a new object in each bundle, and an encoder takes up to a second to build."""

    def __init__(self, make):
        self._make = make
        self._tokenizer = None
        self._value = None

    def __call__(self, tokenizer: TokenizerFile):
        if tokenizer is not self._tokenizer:
            if self._tokenizer is None or tokenizer.data != self._tokenizer.data:
                self._value = self._make(tokenizer)
            self._tokenizer = tokenizer
        return self._value


def dataset_tokenizer(dataset_dir: str, manifest: Optional[dict] = None) -> TokenizerFile:
    """The TokenizerFile a dataset was built with: its vocab.txt or tokenizer.json (as its manifest
    names it), with the special tokens and case folding its manifest records. ``manifest``: the
    dataset's, where the caller has read it already."""
    from schemas.output_layout import MANIFEST_NAME
    from wwm import filesystems

    if manifest is None:
        with filesystems.open_read(filesystems.join(dataset_dir, MANIFEST_NAME)) as handle:
            manifest = json.loads(handle.read())
    entry = manifest['vocab']
    name = entry.get('file', VOCAB_NAME)
    with filesystems.open_read(filesystems.join(dataset_dir, name)) as handle:
        data = handle.read()
    named = tuple(sorted((role, token) for role, (token, _) in entry.get('special_tokens', {}).items()))
    if name == VOCAB_NAME:
        return TokenizerFile(VOCAB, data, manifest['options'].get('do_lower_case', True))
    return TokenizerFile(TOKENIZER_JSON, data, special_tokens=named)
