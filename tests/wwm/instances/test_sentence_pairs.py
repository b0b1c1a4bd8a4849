"""SOP pairs and FULL-SENTENCES packing on real text: labels, order, adjacency, lengths, no loss."""
import pytest

from wwm.hashing import seeded_rng
from wwm.instances.pairs import NO_GROUP, create_order_instances
from wwm.instances.packing import pack_across_documents, pack_document

CLS, SEP = 101, 102


def _stream(document) -> list:
    return [token for ids, _ in document for token in ids]


def _contains(haystack: list, needle: list) -> int:
    """Start of ``needle`` in ``haystack`` (as comma-separated text), or -1."""
    text, part = ',' + ','.join(map(str, haystack)) + ',', ',' + ','.join(map(str, needle)) + ','
    found = text.find(part)
    return -1 if found < 0 else text[:found].count(',')


@pytest.mark.parametrize('corpus, max_seq_length', [('thucnews', 128), ('cmrc', 512), ('thucnews', 32)])
def test_sop_pairs_are_adjacent_text_of_one_document_swapped_half_the_time(
        corpus, max_seq_length, request):
    documents = request.getfixturevalue(corpus + '_tokenized')
    swapped = total = 0
    for index, document in enumerate(documents):
        stream = _stream(document)
        for instance in create_order_instances(document, max_seq_length, 0.1, seeded_rng(3, index), CLS, SEP):
            ids = instance.token_ids
            assert len(ids) <= max_seq_length and ids[0] == CLS and ids[-1] == SEP and ids.count(SEP) == 2
            sep = ids.index(SEP)
            assert instance.segment_ids == [0] * (sep + 1) + [1] * (len(ids) - sep - 1)
            first, second = ids[1:sep], ids[sep + 1:-1]
            assert first and second
            if instance.next_sentence_label:
                first, second = second, first
            # A then B, with nothing between them, inside this document's text.
            assert _contains(stream, first + second) >= 0
            swapped += instance.next_sentence_label
            total += 1
    assert total > 300
    assert abs(swapped / total - 0.5) < 0.05


def test_sop_splits_a_lone_long_sentence_at_a_word_boundary(thucnews_tokenized):
    long_sentences = [segment for document in thucnews_tokenized for segment in document
                      if len(segment[0]) > 40][:200]
    assert len(long_sentences) > 100
    for n, segment in enumerate(long_sentences):
        (instance,) = create_order_instances([segment], 512, 0.0, seeded_rng(n), CLS, SEP)
        sep = instance.token_ids.index(SEP)
        cut = len(instance.token_ids) - sep - 2 if instance.next_sentence_label else sep - 1
        groups = segment[1]
        assert groups[cut] != groups[cut - 1]          # the cut falls between two words


def _check_pack(instance, max_seq_length, separators=0):
    ids = instance.token_ids
    assert ids[0] == CLS and ids[-1] == SEP and len(ids) <= max_seq_length
    assert ids[1:-1].count(SEP) == separators
    assert instance.segment_ids == [0] * len(ids) and instance.next_sentence_label == 0
    assert [g == NO_GROUP for g in instance.group_ids] == [t in (CLS, SEP) for t in ids]


@pytest.mark.parametrize('corpus, max_seq_length', [('thucnews', 128), ('cmrc', 512), ('thucnews', 32)])
def test_packing_keeps_every_token_in_order_and_fills_up_to_the_next_sentence(
        corpus, max_seq_length, request):
    documents = request.getfixturevalue(corpus + '_tokenized')
    lengths, splits = [], 0
    for index, document in enumerate(documents):
        packs = pack_document(document, max_seq_length, 0.0, seeded_rng(index), CLS, SEP)
        for pack in packs:
            _check_pack(pack, max_seq_length)
        assert [t for pack in packs for t in pack.token_ids[1:-1]] == _stream(document)
        sentence_ends, end = set(), 0
        for ids, _ in document:
            end += len(ids)
            sentence_ends.add(end)
        position = 0
        for pack, following in zip(packs, packs[1:]):
            position += len(pack.token_ids) - 2
            if position in sentence_ends:      # closed because the next sentence did not fit
                next_sentence = next(len(ids) for ids, _ in _sentences_from(document, position))
                assert len(pack.token_ids) - 2 + next_sentence > max_seq_length - 2
            else:                               # a sentence longer than a pack was split
                assert len(pack.token_ids) - 2 <= max_seq_length - 2
                splits += 1
            lengths.append(len(pack.token_ids))
    assert len(lengths) > 50
    fill = sum(lengths) / len(lengths) / max_seq_length
    assert fill > (0.6 if max_seq_length == 512 else 0.75)
    if max_seq_length == 32:
        assert splits > 10


def _sentences_from(document, position):
    end = 0
    for segment in document:
        if end >= position:
            yield segment
        end += len(segment[0])


def test_split_sentences_are_cut_at_word_boundaries(thucnews_tokenized):
    checked = 0
    for index, document in enumerate(thucnews_tokenized[:100]):
        groups = [g for _, gs in document for g in gs]
        position = 0
        for pack in pack_document(document, 24, 0.0, seeded_rng(index), CLS, SEP):
            position += len(pack.token_ids) - 2
            if position < len(groups) and groups[position] == groups[position - 1]:
                # Cut inside a word: only when that word alone fills the whole pack.
                word = [p for p in range(len(groups)) if groups[p] == groups[position]]
                assert len(word) > 22
            checked += 1
    assert checked > 500


def test_short_seq_prob_gives_shorter_packs(thucnews_tokenized):
    full = [len(p.token_ids) for i, d in enumerate(thucnews_tokenized)
            for p in pack_document(d, 128, 0.0, seeded_rng(i), CLS, SEP)]
    short = [len(p.token_ids) for i, d in enumerate(thucnews_tokenized)
             for p in pack_document(d, 128, 0.5, seeded_rng(i), CLS, SEP)]
    assert len(short) > len(full) * 1.2 and sum(short) == sum(full) + 2 * (len(short) - len(full))


def test_cross_document_packing_joins_documents_with_sep(thucnews_tokenized):
    documents = thucnews_tokenized[:60]
    packs = pack_across_documents(documents, 128, 0.0, seeded_rng(5), CLS, SEP)
    joined, pack_ends = [], set()
    for _, pack in packs:
        _check_pack(pack, 128, separators=pack.token_ids[1:-1].count(SEP))
        joined.extend(pack.token_ids[1:-1])
        pack_ends.add(len(joined))
    # The documents follow each other; a [SEP] separates two inside a pack, a pack's end needs none.
    position = separators = 0
    for index, document in enumerate(documents):
        if index and position not in pack_ends:
            assert joined[position] == SEP
            position += 1
            separators += 1
        stream = _stream(document)
        assert joined[position:position + len(stream)] == stream
        position += len(stream)
    assert position == len(joined) and separators == joined.count(SEP) > 5
    starts = [index for index, _ in packs]
    assert starts == sorted(starts) and starts[0] == 0
    alone = sum(len(pack_document(d, 128, 0.0, seeded_rng(i), CLS, SEP)) for i, d in enumerate(documents))
    assert len(packs) < alone
