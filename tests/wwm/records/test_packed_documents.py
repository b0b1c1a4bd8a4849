"""The NSP bucket shuffle's compact document bytes give back the very document, and are smaller
than the pickle they replace."""
import pickle
import random

import pytest

from schemas.records import TokenizedDocument
from wwm.native import kernels
from wwm.records.packed_documents import pack_tokenized, unpack_tokenized


def _document(sentence_lengths, first_id=672, doc_id='news.txt:7', source='news.txt', unaligned=0):
    """Sentences of increasing ids, each token its own group, groups running on across sentences."""
    segments, group = [], 0
    for length in sentence_lengths:
        segments.append(([first_id + i for i in range(length)], list(range(group, group + length))))
        group += length
    return TokenizedDocument(doc_id, source, segments, unaligned)


def _random_document(rng):
    segments, group = [], rng.randrange(3)
    for _ in range(rng.randint(1, 40)):
        length = rng.randint(1, 300)
        ids = [rng.choice((rng.randrange(21128), rng.randrange(1 << 20))) for _ in range(length)]
        groups = []
        for _ in range(length):
            group += rng.choice((0, 0, 1, 1, 2))
            groups.append(group)
        segments.append((ids, groups))
    return TokenizedDocument('a 文件.txt:%d' % rng.randrange(10 ** 6), rng.choice(('a 文件.txt', 'q\udcff.json')),
                             segments, rng.randrange(5))


@pytest.mark.parametrize('document', [
    _document([1]),
    _document([30, 2, 511]),
    _document([5, 5], first_id=70000),                 # a vocab of more than 65,536 entries
    _document([40000, 40000]),                         # group numbers past 65,535
    _document([3], source='维基百科 dump.xml.bz2', unaligned=2),
])
def test_a_document_comes_back_unchanged(document):
    packed = pack_tokenized(document)
    assert unpack_tokenized(document.doc_id, packed) == document
    assert all(type(ids) is list and type(groups) is list
               for ids, groups in unpack_tokenized(document.doc_id, packed).segments)


def test_random_documents_come_back_unchanged_with_and_without_the_extension(monkeypatch):
    rng = random.Random(7)
    documents = [_random_document(rng) for _ in range(200)]
    packed = [pack_tokenized(document) for document in documents]
    assert [unpack_tokenized(d.doc_id, p) for d, p in zip(documents, packed)] == documents
    monkeypatch.setattr(kernels, 'pack_lists', kernels.py_pack_lists)
    monkeypatch.setattr(kernels, 'unpack_lists', kernels.py_unpack_lists)
    assert [pack_tokenized(document) for document in documents] == packed
    assert [unpack_tokenized(d.doc_id, p) for d, p in zip(documents, packed)] == documents


def test_bert_ids_take_two_bytes_and_groups_two_well_under_the_pickle():
    document = _document([40] * 25)
    packed = pack_tokenized(document)
    assert len(packed) <= 4 * 1000 + 2 * 25 + 64
    assert len(packed) < 0.75 * len(pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL))


@pytest.mark.parametrize('compiled', [True, False])
def test_bytes_it_did_not_write_are_refused(compiled, monkeypatch):
    if not compiled:
        monkeypatch.setattr(kernels, 'unpack_lists', kernels.py_unpack_lists)
    packed = bytearray(pack_tokenized(_document([4, 6])))
    # the first sentence's length: after the source (4 + 8 bytes), the count (8) and a list header (5)
    packed[4 + len('news.txt') + 8 + 5] = 9
    with pytest.raises(ValueError):
        unpack_tokenized('news.txt:7', bytes(packed))
    with pytest.raises(ValueError):
        unpack_tokenized('news.txt:7', pack_tokenized(_document([4, 6]))[:-3])
