"""wwm/native/_jieba.c against jieba itself, the reference: the same words for every text, with and
without the HMM, on the real corpora, on random text that reaches every branch (ideographs jieba's
HMM has never seen, ASCII runs, decimals, whitespace, other scripts) and with a user dictionary."""
import random

import pytest

from tests.conftest import shared_file
from tests.real_text import cmrc_documents, sentences_of, thucnews_documents
from wwm.segmenters import jieba_backend
from wwm.segmenters.jieba_backend import JiebaBackend

needs_c = pytest.mark.skipif(jieba_backend._jieba is None, reason='wwm/native/_jieba.c not built (see '
                             'tests/wwm/native/test_native.py::test_every_extension_is_built)')


@pytest.fixture(scope='module')
def backend():
    return JiebaBackend()


def _jieba_words(backend, texts, hmm):
    return [backend._tokenizer.lcut(text, HMM=hmm) for text in texts]


def _c_words(backend, texts, hmm):
    return jieba_backend._jieba.cut(backend._table, texts, hmm)


@pytest.mark.parametrize('hmm', [True, False])
@needs_c
def test_same_words_as_jieba_on_the_real_corpora(backend, hmm):
    # 13.8 K sentences, 640 K characters: THUCNews, then CMRC's Wikipedia paragraphs
    sentences = sentences_of(thucnews_documents())[::2] + sentences_of(cmrc_documents())
    sentences += shared_file('bert_sample/sample_text.txt').read_text(encoding='utf-8').split('\n')
    assert _c_words(backend, sentences, hmm) == _jieba_words(backend, sentences, hmm)


_POOLS = [
    '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下',
    ''.join(chr(c) for c in (0x4E00, 0x9FD5, 0x9FD6, 0x9FFF, 0x3400, 0x4DB5, 0x2E80)),
    'abcxyzABCXYZ', '0123456789', '+#&._%-', '.%.%', ' \t\n\r\u3000\u00a0\x85\u2028\x0b\x0c',
    '，。、；：？！“”（）《》…—', '０１２３٠١٢३', 'ぁアカタカナー', 'éñüßΣσЖж', '😀𠀀𪚥\U0002a6d6',
    '\u200b\ufeff\x00\ufffd', '\r\n',
]


def _random_texts(rng: random.Random, count: int) -> list:
    texts = []
    for _ in range(count):
        pools = rng.sample(_POOLS, rng.randint(1, 4))
        texts.append(''.join(rng.choice(rng.choice(pools)) for _ in range(rng.randint(1, 60))))
    return texts


def _rare_ideographs(rng: random.Random, count: int) -> list:
    """Runs of any ideographs in jieba's range: most are not in its dictionary nor known to its
    HMM (emission MIN_FLOAT), where route and Viterbi ties decide."""
    return [''.join(chr(rng.randint(0x4E00, 0x9FD5)) for _ in range(rng.randint(1, 40)))
            for _ in range(count)]


def _dictionary_phrases(rng: random.Random, backend, count: int) -> list:
    words = sorted(word for word, freq in backend._tokenizer.FREQ.items() if freq)
    return [''.join(rng.choice(words) for _ in range(rng.randint(1, 8))) for _ in range(count)]


@pytest.mark.parametrize('hmm', [True, False])
@needs_c
def test_same_words_as_jieba_on_random_text(backend, hmm):
    rng = random.Random(7)
    texts = (_random_texts(rng, 3000) + _rare_ideographs(rng, 1500) +
             _dictionary_phrases(rng, backend, 1500))
    texts += ['', 'a', '\r\n', '3.14%', '1.2.3', 'v1.0-rc2', 'C++#&_', '中文1.5%的增长', '\r\r\n\n']
    assert _c_words(backend, texts, hmm) == _jieba_words(backend, texts, hmm)


@needs_c
def test_a_user_dictionary_counts():
    # a word with a low count of its own, two that jieba gives a count high enough to stay whole
    user = JiebaBackend(user_dict='自然语言处理技术 5\n全词掩码\n哈工大讯飞'.encode())
    texts = ['我们研究自然语言处理技术和全词掩码，哈工大讯飞联合实验室发布了模型。',
             '自然语言处理技术是全词掩码的基础']
    words = user.segment(texts)
    assert words == _jieba_words(user, texts, True)
    assert '全词掩码' in words[0] and '哈工大讯飞' in words[0]


@needs_c
def test_force_split_words_are_left_to_jieba(backend, monkeypatch):
    from jieba import finalseg
    text = '林志玲的演唱会'  # 志玲 comes from the HMM
    monkeypatch.setattr(finalseg, 'Force_Split_Words', {'志玲'})
    assert backend.segment([text]) == _jieba_words(backend, [text], True)
    assert '志玲' not in backend.segment([text])[0]


def test_without_the_extension_jieba_does_it_all(monkeypatch):
    monkeypatch.setattr(jieba_backend, '_jieba', None)
    plain = JiebaBackend()
    assert plain._table is None
    assert plain.segment(['我爱北京天安门。']) == [['我', '爱', '北京', '天安门', '。']]


@needs_c
def test_bad_tables_are_refused_with_a_reason():
    from array import array
    ok = dict(start=array('d', [0.0] * 4), trans=array('d', [0.0] * 16),
              emit=array('d', [0.0] * 4 * (0x9FD5 - 0x4E00 + 1)))
    table = jieba_backend._jieba.table
    with pytest.raises(ValueError, match='trans must hold 16 doubles'):
        table({'中': 1}, 1, ok['start'], array('d', [0.0]), ok['emit'])
    with pytest.raises(TypeError):
        table({'中': 'many'}, 1, ok['start'], ok['trans'], ok['emit'])
    with pytest.raises(ValueError, match='total must be positive'):
        table({'中': 1}, 0, ok['start'], ok['trans'], ok['emit'])


def _random_lexicon(rng: random.Random) -> list:
    """Words that share prefixes and overlap: pieces of a small alphabet, some one character long."""
    alphabet = '北京天安门广场大学生命起源ab1😀'
    return list({''.join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))) for _ in range(60)})


@needs_c
def test_protected_words_are_found_as_the_python_reference_finds_them():
    from wwm.segmenters.protected_words import ProtectedWords
    rng = random.Random(11)
    for _ in range(300):
        protected = ProtectedWords(_random_lexicon(rng))
        assert protected._trie is not None
        for _ in range(10):
            text = ''.join(rng.choice('北京天安门广场大学生命起源ab1😀，。 ') for _ in range(rng.randint(0, 80)))
            assert protected.matches(text) == protected.py_matches(text), text


@needs_c
def test_protected_words_are_enforced_as_the_python_reference_enforces_them(backend):
    from wwm.segmenters.protected_words import ProtectedWords
    rng = random.Random(12)
    for _ in range(300):
        protected = ProtectedWords(_random_lexicon(rng))
        texts = [''.join(rng.choice('北京天安门广场大学生命起源ab1😀，。  \t\u3000\u200b')
                         for _ in range(rng.randint(1, 80))) for _ in range(10)]
        for text, words in zip(texts, backend.segment(texts)):
            assert protected.enforce(text, words) == protected.py_enforce(text, words), text
    # words that do not concatenate to the text are left to the reference
    assert ProtectedWords(['北京']).enforce('我在 北京', ['我', '在', '北', '京']) == ['我', '在', ' ', '北京']
