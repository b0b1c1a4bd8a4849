"""Tokenizer training (wwm/tokens/tokenizer_training.py) on real Chinese text: the same bytes in
separate processes whatever PYTHONHASHSEED, the vocab size, the special tokens' ids, and the
wordpiece kind encoding like BERT's tokenizer of its vocab."""
import os
import pathlib
import subprocess
import sys

import pytest
from tokenizers import Tokenizer

from wwm.tokens import tokenizer_training as training
from wwm.tokens import vocab as vocab_lib
from wwm.tokens import wordpiece

ROOT = pathlib.Path(__file__).resolve().parents[3]
CORPUS = pathlib.Path('/work/shared/data/news/thucnews_cnews_1000.txt')
CORPUS_CHARS = 150_000  # about 450 KB of UTF-8: enough merges for the sizes below, seconds to train
SPECIAL_IDS = {'bpe': [0, 1, 2, 3, 4], 'wordpiece': [0, 100, 101, 102, 103]}


@pytest.fixture(scope='module')
def texts():
    if not CORPUS.exists():
        pytest.skip('real text %s is absent (the shared data folder is not mounted)' % CORPUS)
    return _corpus_lines()


def _train_in_subprocess(kind: str, vocab_size: int, hash_seed: str) -> bytes:
    """train_tokenizer's bytes from a fresh interpreter with the given PYTHONHASHSEED."""
    script = ('import sys; sys.path.insert(0, %r)\n'
              'from tests.wwm.tokens.test_tokenizer_training import _corpus_lines\n'
              'from wwm.tokens.tokenizer_training import train_tokenizer\n'
              'sys.stdout.buffer.write(train_tokenizer(_corpus_lines(), %r, %d, True))\n'
              % (str(ROOT), kind, vocab_size))
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    return subprocess.run([sys.executable, '-c', script], env=env, check=True,
                          stdout=subprocess.PIPE, cwd=str(ROOT)).stdout


def _corpus_lines():
    """The first CORPUS_CHARS or so characters of the corpus, a document a line."""
    lines, total = [], 0
    for line in CORPUS.read_text(encoding='utf-8').split('\n'):
        if total >= CORPUS_CHARS:
            break
        lines.append(line)
        total += len(line)
    return lines


@pytest.mark.parametrize('kind,vocab_size', [('bpe', 8000), ('wordpiece', 8000)])
def test_same_bytes_in_separate_processes(texts, kind, vocab_size):
    first = _train_in_subprocess(kind, vocab_size, '1')
    assert first == _train_in_subprocess(kind, vocab_size, '2')
    assert first == training.train_tokenizer(texts, kind, vocab_size, True)


@pytest.mark.parametrize('kind', ['bpe', 'wordpiece'])
def test_vocab_size_and_special_tokens(texts, kind):
    # The wordpiece kind needs 5652 tokens for this text's characters and has 5996 in all.
    tokenizer = Tokenizer.from_str(training.train_tokenizer(texts, kind, 5800, True).decode('utf-8'))
    assert tokenizer.get_vocab_size() == 5800
    assert [tokenizer.token_to_id(token) for token in training.SPECIAL_TOKENS] == SPECIAL_IDS[kind]
    encoding = tokenizer.encode('湖人消息', add_special_tokens=True)
    assert encoding.ids[0] == tokenizer.token_to_id('[CLS]')
    assert encoding.ids[-1] == tokenizer.token_to_id('[SEP]')


def test_bpe_knows_every_byte_and_reads_special_names_as_text(texts):
    tokenizer = Tokenizer.from_str(training.train_tokenizer(texts, 'bpe', 4000, False).decode('utf-8'))
    sentence = '龘𠀀 [MASK] 2024年①'
    ids = tokenizer.encode(sentence, add_special_tokens=False).ids
    assert tokenizer.token_to_id('[UNK]') not in ids
    assert tokenizer.token_to_id('[MASK]') not in ids
    assert tokenizer.decode(ids) == sentence
    digits = tokenizer.encode('2024', add_special_tokens=False).tokens
    assert digits == ['2', '0', '2', '4']


def test_wordpiece_encodes_like_bert_tokenizer_of_its_vocab(texts):
    tokenizer = Tokenizer.from_str(training.train_tokenizer(texts, 'wordpiece', 8000, True).decode('utf-8'))
    tokens = vocab_lib.train_vocab(texts, 8000, True)
    assert [token for token, _ in sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])] == tokens
    bert = wordpiece.build_tokenizer({token: index for index, token in enumerate(tokens)}, True)
    sample = texts[-20:] + ['[MASK] 文本 ABC-123 ｅｓｐｎ']
    for text in sample:
        assert tokenizer.encode(text, add_special_tokens=False).ids == \
            bert.encode(text, add_special_tokens=False).ids


@pytest.mark.parametrize('kind, size', [('bpe', 5 + 256), ('wordpiece', 104)])
def test_an_empty_sample_gives_the_special_tokens_alone(kind, size):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(training.train_tokenizer(['', ''], kind, 1000, True).decode('utf-8'))
    assert tokenizer.get_vocab_size() == size
    assert tokenizer.token_to_id('[MASK]') == training.SPECIAL_IDS[kind]['mask']


def test_take_sample_in_parts_equals_whole():
    keyed = [(training.sample_key(7, text), text) for text in ['甲' * n for n in range(1, 40)]]
    whole = training.take_sample(keyed, 100)
    assert sum(len(text) for _, text in whole[:-1]) < 100 <= sum(len(text) for _, text in whole)
    assert whole == sorted(whole)
    parts = [training.take_sample(keyed[start::3], 100) for start in range(3)]
    assert training.merge_samples(parts, 100) == whole
