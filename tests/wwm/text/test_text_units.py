"""Cleaning, sentence splitting, vocab loading and input files, on small exact cases."""
import bz2
import gzip

import pytest

from schemas.records import Document, Dropped
from wwm.readers.document_files import FileReport, read_documents
from wwm.text.sentences import split_sentences
from wwm.text.cleaning import clean_text
from wwm.tokens.vocab import parse_vocab


def test_clean_text_removes_invisible_and_control_characters():
    assert clean_text('语\u200b言\ufeff模\x00型') == '语言模型'


def test_clean_text_line_separators_become_newlines_and_spaces_collapse():
    assert clean_text('第一句\u2028第二句\u2029第三句\r\n\r\n第\u3000\u00a0 四句') == '第一句\n第二句\n第三句\n第 四句'


def test_clean_text_keeps_full_width_punctuation():
    assert clean_text('“你好！”（测试）：１２３') == '“你好！”（测试）：１２３'


def test_split_sentences_on_chinese_and_ascii_enders_with_closing_quotes():
    text = '他说：“走吧！”然后呢？？没有……结束;价格是1.5元\n第二行'
    assert split_sentences(text) == ['他说：“走吧！”', '然后呢？？', '没有……', '结束;', '价格是1.5元', '第二行']


def test_split_sentences_keeps_every_character():
    text = '甲。乙！丙？丁；戊…己「庚。」辛'
    assert ''.join(split_sentences(text)) == text


def test_vocab_splits_on_newline_only(real_vocab_path):
    vocab = parse_vocab(real_vocab_path.read_bytes())
    assert len(vocab) == 21128
    assert vocab[''] == 343          # line 344 is U+2028, stripped to ''
    assert vocab['[CLS]'] == 101 and vocab['[MASK]'] == 103
    lines = real_vocab_path.read_bytes().decode('utf-8').split('\n')
    assert vocab[lines[20000].strip()] == 20000


def test_parse_vocab_later_duplicate_wins_like_the_reference():
    assert parse_vocab(b'a\nb\na\n') == {'a': 2, 'b': 1}


def _docs(path, name='f'):
    return list(read_documents(str(path), name))


def test_plain_text_documents_with_bom_and_crlf(tmp_path):
    path = tmp_path / 'a.txt'
    path.write_bytes('\ufeff第一段。\r\n第二段。\r\n\r\n\r\n另一篇。\r\n'.encode('utf-8'))
    assert _docs(path) == [Document('f:0', 'f', '第一段。\n第二段。'), Document('f:1', 'f', '另一篇。')]


def test_compressed_inputs_read_like_plain(tmp_path):
    text = '甲。\n\n乙。\n'.encode('utf-8')
    (tmp_path / 'a.txt.gz').write_bytes(gzip.compress(text))
    (tmp_path / 'b.txt.bz2').write_bytes(bz2.compress(text))
    assert [d.text for d in _docs(tmp_path / 'a.txt.gz')] == ['甲。', '乙。']
    assert [d.text for d in _docs(tmp_path / 'b.txt.bz2')] == ['甲。', '乙。']


def test_json_lines_bad_records_are_dropped_with_reasons(tmp_path):
    path = tmp_path / 'q.jsonl'
    path.write_text('{"id": "x", "text": "问题\\n回答"}\n{broken\n\n{"title": "no text"}\n', encoding='utf-8')
    records = _docs(path, 'q.jsonl')
    assert records[0] == Document('q.jsonl:0', 'q.jsonl', '问题\n回答')
    assert [(r.reason, r.doc_id) for r in records[1:]] == [('malformed_json', 'q.jsonl:1'),
                                                           ('no_text_field', 'q.jsonl:3')]
    assert all(isinstance(r, Dropped) for r in records[1:])


def test_invalid_utf8_is_replaced_and_reported(tmp_path):
    path = tmp_path / 'bad.txt'
    path.write_bytes('好'.encode('utf-8') + b'\xff\xfe' + '。\n'.encode('utf-8'))
    report = FileReport()
    docs = list(read_documents(str(path), 'bad.txt', report=report))
    assert docs[0].text == '好\ufffd\ufffd。'
    assert (report.undecodable_lines, report.first_undecodable_offset) == (1, 0)


@pytest.mark.parametrize('text', ['', '\n\n\n', '\u200b\u3000'])
def test_empty_inputs_give_no_text(tmp_path, text):
    path = tmp_path / 'e.txt'
    path.write_text(text, encoding='utf-8')
    assert all(not clean_text(d.text) for d in _docs(path))


_TRAIN_DEMO_VOCAB = '''
import hashlib, pathlib, sys
from wwm.tokens.vocab import train_vocab
texts = [line for path in sorted(pathlib.Path(sys.argv[1]).iterdir())
         for line in path.read_text(encoding='utf-8').split('\\n') if line.strip()]
print(hashlib.sha256('\\n'.join(train_vocab(texts, 3000, True)).encode()).hexdigest())
'''


def test_trained_vocab_is_the_same_in_every_process():
    import os
    import subprocess
    import sys
    from tests.conftest import DEMO_CORPUS, ROOT
    digests = {subprocess.run([sys.executable, '-c', _TRAIN_DEMO_VOCAB, str(DEMO_CORPUS)], cwd=ROOT,
                              env=dict(os.environ, PYTHONHASHSEED=seed), capture_output=True,
                              text=True, check=True).stdout
               for seed in ('1', '2', '3')}
    assert len(digests) == 1


def test_trained_vocab_spells_every_word_of_its_corpus_without_unk():
    from tests.conftest import DEMO_CORPUS
    from wwm.tokens.vocab import train_vocab
    from wwm.tokens.wordpiece import build_tokenizer
    texts = [line for path in sorted(DEMO_CORPUS.iterdir())
             for line in path.read_text(encoding='utf-8').split('\n') if line.strip()]
    tokens = train_vocab(texts, 4000, True)
    assert len(tokens) == len(set(tokens)) and len(tokens) <= 4000
    tokenizer = build_tokenizer({token: i for i, token in enumerate(tokens)}, True)
    encoded = tokenizer.encode_batch(texts, add_special_tokens=False)
    assert all(100 not in e.ids for e in encoded)                 # [UNK] is id 100
    whole_words = [t for t in tokens[104:] if len(t) > 1 and not t.startswith('##')]
    assert 'wi' in whole_words and 'gps' in whole_words        # frequent Latin words learnt whole
