"""wwm/native/_wordpiece.c against `tokenizers`, the reference: the same ids, character offsets and
pre-tokenizer words for every sentence, on the real corpora and on random text, and sentences it
cannot take handed to `tokenizers`."""
import random

import pytest
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

from tests.conftest import shared_file
from tests.real_text import cmrc_documents, sentences_of, thucnews_documents
from wwm.tokens import wordpiece
from wwm.tokens.wordpiece import OTHER, Encoded, WordPieceEncoder, build_tokenizer, character_classes

needs_c = pytest.mark.skipif(wordpiece._wordpiece is None, reason='wwm/native/_wordpiece.c not built '
                             '(see tests/wwm/native/test_native.py::test_every_extension_is_built)')


def _reference(tokenizer, sentences):
    return [(e.ids, e.offsets, e.word_ids) for e in tokenizer.encode_batch(sentences, add_special_tokens=False)]


def _ours(encoder, sentences):
    return [(list(e.ids), list(e.offsets), list(e.word_ids)) for e in encoder.encode_batch(sentences)]


def _fast_share(encoder, sentences) -> float:
    return sum(type(e) is Encoded for e in encoder.encode_batch(sentences)) / len(sentences)


@pytest.fixture(scope='module')
def real_sentences():
    sentences = sentences_of(thucnews_documents()) + sentences_of(cmrc_documents())
    # English with capitals, digits and punctuation, and a line of other scripts (Google's sample).
    sentences += shared_file('bert_sample/sample_text.txt').read_text(encoding='utf-8').split('\n')
    return sentences


@pytest.mark.parametrize('do_lower_case', [True, False])
@needs_c
def test_same_tokens_as_tokenizers_on_the_real_corpora(real_vocab, real_sentences, do_lower_case):
    encoder = WordPieceEncoder(real_vocab, do_lower_case)
    assert _ours(encoder, real_sentences) == _reference(encoder.tokenizer, real_sentences)
    # Nearly every sentence took the C path (the rest, with rarer characters, went to tokenizers).
    assert _fast_share(encoder, real_sentences) > 0.97


_POOLS = [
    '中文字符测试鑫龘丼乂〇', '，。、；：？！“”‘’（）《》【】…—·「」', 'abcXYZ', '0123456789',
    ' \t\n\r\u3000\u00a0', '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~', 'ＡＢｃｄ１２３，．：', 'ぁアカタカナー',
    'éÉñüÅß', '\u0301\u0308', '\u200b\u200d\ufeff\x00\x07\ufffd', '😀𠀀𪚥', 'ΣσςΑΩЖж', '①℃‰€£±×÷→',
    '\uf900\uf901', 'İı', '##',
]


def _random_sentence(rng: random.Random) -> str:
    pools = rng.sample(_POOLS, rng.randint(1, 4))
    length = rng.choice([1, 3, 10, 40, 120])
    return ''.join(rng.choice(rng.choice(pools)) for _ in range(length))


@pytest.mark.parametrize('do_lower_case', [True, False])
@needs_c
def test_same_tokens_as_tokenizers_on_random_text(real_vocab, do_lower_case):
    rng = random.Random(7)
    sentences = [_random_sentence(rng) for _ in range(6000)]
    sentences += ['a' * 100, 'a' * 101, 'A' * 101, 'x' * 99 + '中', 'unaffable', 'UNAFFABLE', 'qzxqzx',
                  '', ' ', '中', '中 文', '1920×1080', 'ab中cd，ef']
    encoder = WordPieceEncoder(real_vocab, do_lower_case)
    assert _ours(encoder, sentences) == _reference(encoder.tokenizer, sentences)
    assert 0.2 < _fast_share(encoder, sentences) < 0.95  # both paths were taken


@needs_c
def test_classes_are_read_off_the_tokenizer_when_the_guess_is_wrong(real_vocab):
    """A tokenizer that does not pad ideographs (and keeps accents): the guessed classes disagree
    with it, each character's class is asked, and the tokens still match this tokenizer's."""
    tokenizer = Tokenizer(models.WordPiece(real_vocab, unk_token='[UNK]', max_input_chars_per_word=100))
    tokenizer.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False,
                                                      strip_accents=False, lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    classes = character_classes(tokenizer)
    assert classes[ord('中')] == wordpiece.WORD
    table = wordpiece._wordpiece.table(classes, list(real_vocab), list(real_vocab.values()),
                                       real_vocab['[UNK]'], 100)
    rng = random.Random(3)
    sentences = [_random_sentence(rng) for _ in range(2000)] + ['中文abc，中文']
    ours = [wordpiece._wordpiece.encode(table, sentence) for sentence in sentences]
    reference = _reference(tokenizer, sentences)
    taken = [(list(o[0]), list(o[1]), list(o[2])) for o in ours if o is not None]
    assert taken == [r for o, r in zip(ours, reference) if o is not None]
    assert len(taken) > 200


@needs_c
def test_guessed_classes_match_the_ones_asked_of_the_tokenizer(real_vocab):
    tokenizer = build_tokenizer(real_vocab, True)
    guessed = character_classes(tokenizer)
    asked = bytes(wordpiece._ask(tokenizer, chr(code)) if not 0xD800 <= code <= 0xDFFF else OTHER
                  for code in range(0x10000))
    assert all(guessed[code] in (OTHER, asked[code]) for code in range(0x10000))
    assert sum(c != OTHER for c in guessed) > 30000  # the ideographs at least


def test_without_the_extension_tokenizers_does_it_all(real_vocab, monkeypatch):
    monkeypatch.setattr(wordpiece, '_wordpiece', None)
    encoder = WordPieceEncoder(real_vocab, True)
    sentences = ['中文abc，中文', 'Hello World']
    assert all(type(e) is not Encoded for e in encoder.encode_batch(sentences))
    assert _ours(encoder, sentences) == _reference(encoder.tokenizer, sentences)
