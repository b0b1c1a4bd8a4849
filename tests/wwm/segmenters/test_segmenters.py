"""The segmenters: long sentences, protected words, batching, remote models, and for every backend
exact alignment with WordPiece, mixed Chinese/English/digits included."""
import os

import pytest
from apache_beam.io.filesystem import FileMetadata, MatchResult
from apache_beam.io.localfilesystem import LocalFileSystem

from tests import real_text
from tests.segmenter_models import BACKENDS, legacy_model, model_path, tiny_ltp_model  # noqa: F401
from wwm.segmenters import make_segmenter
from wwm.segmenters.batching import predict_by_length
from wwm.segmenters.long_text import split_long_text
from wwm.segmenters.protected_words import ProtectedWords, parse_user_dict
from wwm.tokens.wordpiece import align_sentence, build_tokenizer, word_spans

MIXED = '我用iPhone13拍了1920×1080的running视频，价格3999元，GPT-4和BERT-wwm都在用。'


@pytest.fixture(scope='module')
def tokenizer(real_vocab):
    return build_tokenizer(real_vocab, do_lower_case=True)


def _segmenter(request, backend, **settings):
    return make_segmenter(backend, model=model_path(request, backend), **settings)


def test_long_text_is_cut_after_punctuation_else_at_the_limit():
    text = '甲乙丙，丁戊己庚辛壬，癸子丑寅卯辰巳午未申酉戌亥' * 3
    pieces = split_long_text(text, 8)
    assert ''.join(pieces) == text and all(len(piece) <= 8 for piece in pieces)
    assert pieces[:3] == ['甲乙丙，', '丁戊己庚辛壬，', '癸子丑寅卯辰巳午']
    assert split_long_text('短句', 8) == ['短句']
    assert split_long_text('a b', 1) == ['a', ' ', 'b']


def test_protected_words_are_found_leftmost_longest_without_overlap():
    protected = ProtectedWords(['北京', '北京天安门', '天安门广场', '广场'])
    assert protected.matches('我爱北京天安门广场') == [(2, 7), (7, 9)]
    assert protected.matches('没有保护词') == []


def test_enforcing_protected_words_merges_and_splits_around_them():
    protected = ProtectedWords(['姆去拿'])
    text = '他叫汤姆去拿外衣。'
    assert protected.enforce(text, ['他叫', '汤姆', '去', '拿外衣', '。']) == ['他叫', '汤', '姆去拿', '外衣', '。']
    unchanged = ['我', '爱', '北京']
    assert protected.enforce('我爱北京', unchanged) == unchanged


def test_user_dict_takes_the_first_field_of_jieba_layout_lines():
    data = '\ufeff深度学习 10 n\r\n\r\n汤姆去拿\n  BERT-wwm  \n'.encode('utf-8')
    assert parse_user_dict(data) == ['深度学习', '汤姆去拿', 'BERT-wwm']
    with pytest.raises(ValueError, match='not UTF-8'):
        parse_user_dict('深度学习'.encode('gb18030'))


def test_batches_are_sorted_by_length_and_results_come_back_in_order():
    texts = ['ccc', 'a', 'bbbb', 'dd', 'e']
    batches = []

    def predict(batch):
        batches.append(batch)
        return [text.upper() for text in batch]
    assert predict_by_length(texts, 2, predict) == ['CCC', 'A', 'BBBB', 'DD', 'E']
    assert batches == [['a', 'e'], ['dd', 'ccc'], ['bbbb']]


@pytest.mark.parametrize('backend', BACKENDS)
def test_mixed_text_keeps_wordpiece_words_whole(request, backend, tokenizer):
    words = _segmenter(request, backend).segment([MIXED])[0]
    aligned = align_sentence(tokenizer, MIXED, words)
    encoding = tokenizer.encode(MIXED, add_special_tokens=False)
    assert aligned.unaligned_tokens == 0
    pieces = 0
    for index, token in enumerate(encoding.tokens):
        if token.startswith('##'):
            assert aligned.group_ids[index] == aligned.group_ids[index - 1], (token, words)
            pieces += 1
    assert pieces >= 4  # iphone ##13, 1920 ##× ##10 ##80, ...


def _assert_groups_are_whole_words(tokenizer, sentence, words):
    """Every masking group starts and ends on a segmenter word boundary, and no token is left
    outside the words."""
    spans, missing = word_spans(sentence, words)
    assert missing == 0
    starts = {start for start, _ in spans}
    ends = {end for _, end in spans}
    aligned = align_sentence(tokenizer, sentence, words)
    assert aligned.unaligned_tokens == 0
    offsets = tokenizer.encode(sentence, add_special_tokens=False).offsets
    for index, group in enumerate(aligned.group_ids):
        if index == 0 or aligned.group_ids[index - 1] != group:
            assert offsets[index][0] in starts, (sentence, words)
        if index + 1 == len(offsets) or aligned.group_ids[index + 1] != group:
            assert offsets[index][1] in ends, (sentence, words)


@pytest.mark.parametrize('backend', BACKENDS)
def test_alignment_is_exact_on_real_text(request, backend, tokenizer):
    sentences = real_text.sentences_of(real_text.cmrc_documents(30))
    assert len(sentences) > 200
    for sentence, words in zip(sentences, _segmenter(request, backend).segment(sentences)):
        _assert_groups_are_whole_words(tokenizer, sentence, words)


@pytest.mark.parametrize('backend', BACKENDS)
def test_sentences_of_any_length(request, backend, tokenizer):
    no_punctuation = ''.join(real_text.sentences_of(real_text.cmrc_documents(5))).replace('，', '')
    sentence = no_punctuation[:1500] + MIXED * 40
    assert len(sentence) > 3000
    words = _segmenter(request, backend).segment([sentence, ''])
    assert words[1] == []
    assert ''.join(''.join(words[0]).split()) == ''.join(sentence.split())
    # Neural LTP reads 512 tokens and makes everything after them one "word": none may be that long.
    assert max(map(len, words[0])) <= 500
    _assert_groups_are_whole_words(tokenizer, sentence, words[0])


@pytest.mark.parametrize('backend', BACKENDS)
def test_protected_words_are_never_split(request, backend, tmp_path):
    protected = ['姆去拿', '外衣。我', '深度学习框架', 'iPhone13拍']
    user_dict = tmp_path / 'user_dict.txt'
    user_dict.write_text('\n'.join(protected) + '\n', encoding='utf-8')
    sentences = ['他叫汤姆去拿外衣。我用深度学习框架', MIXED, '这个深度学习框架，那个深度学习框架']
    plain = _segmenter(request, backend).segment(sentences)
    words = _segmenter(request, backend, user_dict=str(user_dict)).segment(sentences)
    assert not all(word in sum(plain, []) for word in protected)  # the case is not trivial
    assert words[0].count('姆去拿') == words[0].count('外衣。我') == words[0].count('深度学习框架') == 1
    assert 'iPhone13拍' in words[1] and words[2].count('深度学习框架') == 2
    assert [''.join(found) for found in words] == sentences


def test_jieba_hmm_finds_words_missing_from_its_dictionary():
    sentence = '他来到了网易杭研大厦'
    assert '杭研' in make_segmenter('jieba').segment([sentence])[0]
    assert '杭研' not in make_segmenter('jieba', hmm=False).segment([sentence])[0]


def test_batched_neural_words_equal_one_sentence_at_a_time(tiny_ltp_model):
    sentences = real_text.sentences_of(real_text.cmrc_documents(10))[:120]
    batched = make_segmenter('ltp', model=tiny_ltp_model, batch_size=16).segment(sentences)
    single = make_segmenter('ltp', model=tiny_ltp_model, batch_size=1).segment(sentences)
    assert batched == single
    assert len({len(words) for words in batched}) > 10  # the model does cut, and differently


def test_ltp_model_folder_loads_its_saved_weights(tiny_ltp_model):
    torch = pytest.importorskip('torch')
    from wwm.segmenters.ltp_neural import load_ltp
    loaded = load_ltp(tiny_ltp_model).model.state_dict()
    saved = torch.load(os.path.join(tiny_ltp_model, 'pytorch_model.bin'))
    assert set(saved) == set(loaded)
    assert all(torch.equal(saved[name], loaded[name].cpu()) for name in saved)


class _PrefixedLocalFileSystem(LocalFileSystem):
    """Local files under a scheme of their own, standing in for gs:// and other remote stores."""
    PREFIX = 'remote-test://'

    @classmethod
    def scheme(cls):
        return 'remote-test'

    def _local(self, path):
        return path[len(self.PREFIX):]

    def match(self, patterns, limits=None):
        results = super().match([self._local(pattern) for pattern in patterns], limits)
        return [MatchResult(pattern, [FileMetadata(self.PREFIX + m.path, m.size_in_bytes)
                                      for m in result.metadata_list])
                for pattern, result in zip(patterns, results)]

    def open(self, path, *args, **kwargs):
        return super().open(self._local(path), *args, **kwargs)


@pytest.mark.parametrize('backend', ['ltp', 'ltp_legacy'])
def test_remote_model_is_copied_to_the_worker_and_removed_after(request, backend):
    local_model = model_path(request, backend)
    remote = make_segmenter(backend, model=_PrefixedLocalFileSystem.PREFIX + local_model)
    staged = remote._staged
    assert staged and os.path.isdir(staged)
    sentences = ['他叫汤姆去拿外衣。', MIXED]
    assert remote.segment(sentences) == make_segmenter(backend, model=local_model).segment(sentences)
    remote.close()
    assert not os.path.exists(staged)


def test_a_protected_word_at_the_end_of_the_text_ends_there():
    # '1' ends the text; the longer '1门' must not make the match run past it
    protected = ProtectedWords(['1', '1门'])
    assert protected.matches('北京1') == [(2, 3)] and protected.py_matches('北京1') == [(2, 3)]
    assert protected.enforce('北京1', ['北京', '1']) == ['北京', '1']
