"""WordPiece ids match BERT's reference tokenizer; tokens map exactly onto segmenter words."""
import pytest

from tests import real_text
from wwm.segmenters import make_segmenter
from wwm.tokens.wordpiece import align_sentence, build_tokenizer, group_tokens


@pytest.fixture(scope='module')
def tokenizer(real_vocab):
    return build_tokenizer(real_vocab, do_lower_case=True)


@pytest.fixture(scope='module')
def reference(real_vocab_path):
    transformers = pytest.importorskip('transformers')
    return transformers.BertTokenizer(str(real_vocab_path), do_lower_case=True)


@pytest.fixture(scope='module')
def jieba_segmenter():
    return make_segmenter('jieba')


@pytest.mark.parametrize('corpus', ['thucnews', 'cmrc'])
def test_token_ids_equal_reference_on_every_real_sentence(corpus, tokenizer, reference, jieba_segmenter):
    documents = (real_text.thucnews_documents(300) if corpus == 'thucnews'
                 else real_text.cmrc_documents())
    sentences = real_text.sentences_of(documents)
    assert len(sentences) > 2000
    words = jieba_segmenter.segment(sentences)
    mismatches = []
    for sentence, sentence_words in zip(sentences, words):
        ours = align_sentence(tokenizer, sentence, sentence_words).token_ids
        theirs = reference.encode(sentence, add_special_tokens=False)
        if ours != theirs:
            mismatches.append(sentence)
    assert mismatches == []


def test_groups_are_whole_segmenter_words_on_real_text(tokenizer, jieba_segmenter):
    sentences = real_text.sentences_of(real_text.cmrc_documents(60))
    checked = 0
    for sentence, words in zip(sentences, jieba_segmenter.segment(sentences)):
        encoding = tokenizer.encode(sentence, add_special_tokens=False)
        aligned = align_sentence(tokenizer, sentence, words)
        # Characters of each group, rebuilt from offsets, must be a concatenation of whole words.
        boundaries = {0}
        position = 0
        for word in words:
            position += len(word)
            boundaries.add(position)
        for group in set(aligned.group_ids):
            spans = [encoding.offsets[i] for i, g in enumerate(aligned.group_ids) if g == group]
            start, end = spans[0][0], spans[-1][1]
            word_start = max(b for b in boundaries if b <= start)
            assert sentence[word_start:start].strip() == ''
            assert end in boundaries or sentence[end:min(b for b in boundaries if b >= end)].strip() == ''
            checked += 1
    assert checked > 1000


def test_straddling_token_joins_words_and_wordpiece_pieces_stay_together(tokenizer):
    sentence = '分辨率1920×1080和running'
    words = ['分辨率', '1920', '×', '1080', '和', 'running']
    aligned = align_sentence(tokenizer, sentence, words)
    tokens = tokenizer.encode(sentence, add_special_tokens=False).tokens
    assert tokens == ['分', '辨', '率', '1920', '##×', '##10', '##80', '和', 'running']
    assert aligned.group_ids == [0, 0, 0, 1, 1, 1, 1, 2, 3]


def test_token_outside_every_word_falls_back_to_its_own_group():
    # Offsets of three tokens; the segmenter's only word covers the first two characters.
    groups, unaligned, _ = group_tokens([(0, 1), (1, 2), (2, 3)], [0, 1, 2], [(0, 2)], 3)
    assert groups == [0, 0, 1] and unaligned == 1


def test_a_document_at_a_time_gives_what_a_sentence_at_a_time_gives(tokenizer, jieba_segmenter):
    from wwm.tokens.wordpiece import align_encoding
    compared = 0
    for document in real_text.thucnews_documents(60):
        sentences = real_text.sentences_of([document])
        words = jieba_segmenter.segment(sentences)
        encodings = tokenizer.encode_batch(sentences, add_special_tokens=False)
        for sentence, sentence_words, encoding in zip(sentences, words, encodings):
            assert (align_encoding(encoding, sentence, sentence_words, 7)
                    == align_sentence(tokenizer, sentence, sentence_words, 7))
            compared += 1
    assert compared > 600
