"""Tokenization (transforms/tokenize_sentences.py): the [UNK] tokens it counts and how the manifest
and the summary report them (their number, per source, and the characters most often behind
them); any tokenizer.json's own ids, and tokens spanning several words counted."""
import pytest

from beam_jobs.build_pretraining_data import summary
from schemas.manifest import MULTI_WORD_TOKENS, build_manifest, dumps, parse_manifest
from schemas.records import SegmentedDocument, TokenizedDocument
from tests import real_text, tokenizer_models
from transforms.keep_or_drop import Count
from transforms.tokenize_sentences import _Tokenizer
from wwm.tokens.tokenizer import TOKENIZER_JSON, VOCAB, TokenizerFile

TINY_VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '我', '们', '说', '好', '，', '。']
TINY_VOCAB_BYTES = '\n'.join(TINY_VOCAB).encode('utf-8') + b'\n'
CURLY_QUOTES = '“”‘’'


def _counts(vocab_bytes: bytes, documents) -> list:
    """The Counts the tokenization check yields for ``documents``, summed per name as SumStats does."""
    tokenizer, vocab = _Tokenizer(), TokenizerFile(VOCAB, vocab_bytes)
    tokenizer.setup()
    sums = {}
    for document in documents:
        for outcome in tokenizer(document, vocab):
            if isinstance(outcome, Count):
                sums[outcome.name] = sums.get(outcome.name, 0) + outcome.value
    return sorted(sums.items(), key=repr)


def _manifest(counts) -> dict:
    return build_manifest({'max_seq_length': 128}, {}, counts, 'dynamic', {}, [])


def _document(doc_id, source, sentences) -> SegmentedDocument:
    return SegmentedDocument(doc_id, source, sentences, [[sentence] for sentence in sentences])


def test_unknown_tokens_and_their_characters_are_counted_per_source_and_ranked():
    documents = [_document('a:0', 'a', ['我说“好”。', '我们好。']),
                 _document('b:0', 'b', ['“我”说：“好”！'])]
    manifest = parse_manifest(dumps(_manifest(_counts(TINY_VOCAB_BYTES, documents))))
    # a: “ ”; b: “ ” ： “ ” ！ -> 8 [UNK] tokens, 6 of them “ or ”
    assert manifest['counts']['unknown_tokens'] == 8
    assert manifest['sources']['a']['unknown_tokens'] == 2
    assert manifest['sources']['b']['unknown_tokens'] == 6
    assert manifest['unknown_characters'] == [['“', 3], ['”', 3], ['！', 1], ['：', 1]]


def test_a_long_unknown_word_names_only_its_unknown_characters():
    manifest = _manifest(_counts(TINY_VOCAB_BYTES + b'a\nb\n##b\n', [_document('a:0', 'a', ['我abé'])]))
    assert manifest['counts']['unknown_tokens'] == 1
    assert manifest['unknown_characters'] == [['é', 1]]


def test_a_vocab_that_knows_every_character_reports_none():
    manifest = _manifest(_counts(TINY_VOCAB_BYTES, [_document('a:0', 'a', ['我们说好。'])]))
    assert manifest['counts']['unknown_tokens'] == 0
    assert manifest['unknown_characters'] == []
    assert '[UNK] none' in summary(manifest).splitlines()


def test_real_news_with_googles_vocab_names_the_curly_quotes(real_vocab_path):
    texts = real_text.thucnews_documents(300)
    documents = [_document('news:%d' % index, 'news', real_text.sentences_of([text]))
                 for index, text in enumerate(texts)]
    counts = _counts(real_vocab_path.read_bytes(), documents)
    manifest = _manifest(counts + [('tokens', 100 * dict(counts)['unknown_tokens'])])
    assert manifest['counts']['unknown_tokens'] > 0
    top = [char for char, _ in manifest['unknown_characters']]
    assert len(top) <= 20 and set(top) & set(CURLY_QUOTES)
    line = [line for line in summary(manifest).splitlines() if line.startswith('[UNK]')]
    assert line[0].startswith('[UNK] 1.00% of tokens (') and '“' in line[0]


def test_the_summary_line_gives_the_share_the_numbers_and_the_top_characters():
    counts = [('tokens', 176000), ('unknown_tokens', 1232)] + [
        (('unknown_char', char), value) for char, value in zip('“”—…’‘', (500, 480, 150, 60, 22, 20))]
    line = [line for line in summary(_manifest(counts)).splitlines() if line.startswith('[UNK]')]
    assert line == ['[UNK] 0.70% of tokens (1,232 of 176,000); most often: “ ” — … ’']


@pytest.fixture(scope='module', params=sorted(tokenizer_models.MODELS))
def tokenizer_json(request) -> bytes:
    """A byte-level BPE (RoBERTa's specials) or a Unigram (BERT's), trained on real news."""
    return tokenizer_models.MODELS[request.param]().encode('utf-8')


def _jieba_documents(count: int) -> list:
    from wwm.segmenters import make_segmenter

    segmenter = make_segmenter('jieba')
    documents = []
    for index, text in enumerate(real_text.thucnews_documents(count)[-20:]):
        sentences = real_text.sentences_of([text])
        documents.append(SegmentedDocument('n:%d' % index, 'n', sentences, segmenter.segment(sentences)))
    return documents


def _word_of_each_char(sentence: str, words) -> list:
    """The index of the (jieba) word holding each character of ``sentence``."""
    owner = []
    for index, word in enumerate(words):
        owner += [index] * len(word)
    assert len(owner) == len(sentence)
    return owner


def test_any_tokenizer_json_gives_its_own_ids_whole_words_and_counts_multi_word_tokens(tokenizer_json):
    from tokenizers import Tokenizer

    reference = Tokenizer.from_str(tokenizer_json.decode('utf-8'))
    tokenize, tokenizer = _Tokenizer(), TokenizerFile(TOKENIZER_JSON, tokenizer_json)
    tokenize.setup()
    multi_word_seen = 0
    for document in _jieba_documents(170):  # 20 documents the tokenizers were not trained on
        outcomes = list(tokenize(document, tokenizer))
        tokenized = [o for o in outcomes if isinstance(o, TokenizedDocument)][0]
        counted = sum(o.value for o in outcomes if isinstance(o, Count) and o.name == MULTI_WORD_TOKENS)
        sentences = [(s, w) for s, w in zip(document.sentences, document.words)
                     if reference.encode(s, add_special_tokens=False).ids]
        assert len(sentences) == len(tokenized.segments)
        expected_multi_word = 0
        for (sentence, words), (ids, groups) in zip(sentences, tokenized.segments):
            encoding = reference.encode(sentence, add_special_tokens=False)
            assert ids == encoding.ids
            owner = _word_of_each_char(sentence, words)
            group_of_word = {}
            for group, (start, end) in zip(groups, encoding.offsets):
                # the words of its characters; spaces are no word (a '▁' token alone is in none)
                words_spanned = {owner[c] for c in range(start, end) if not sentence[c].isspace()}
                expected_multi_word += len(words_spanned) > 1
                for word in words_spanned:  # a word's tokens are all in one group: whole words
                    assert group_of_word.setdefault(word, group) == group
        assert counted == expected_multi_word
        multi_word_seen += counted
    assert multi_word_seen > 0  # both models merge across jieba's words somewhere in 20 articles


def test_a_byte_level_bpe_names_its_chinese_characters_by_decoding_them(tokenizer_json):
    from tokenizers import Tokenizer

    tokenizer = TokenizerFile(TOKENIZER_JSON, tokenizer_json)
    reference = Tokenizer.from_str(tokenizer_json.decode('utf-8'))
    chinese = tokenizer.chinese_char_ids()

    def token_of(char):  # Metaspace puts a '▁' token before it
        return [i for i in reference.encode(char, add_special_tokens=False).ids
                if reference.decode([i]).strip() == char][0]
    assert token_of('的') in chinese
    assert token_of('。') not in chinese
    assert reference.token_to_id('▁') not in chinese
