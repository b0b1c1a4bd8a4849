"""The [UNK] tokens tokenization counts (transforms/tokenize_wordpiece.py) and how the manifest and
the summary report them: their number, per source, and the characters most often behind them."""
from beam_jobs.build_pretraining_data import summary
from schemas.manifest import build_manifest, dumps, parse_manifest
from schemas.records import SegmentedDocument
from tests import real_text
from transforms.keep_or_drop import Count
from transforms.tokenize_wordpiece import _Tokenizer

TINY_VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '我', '们', '说', '好', '，', '。']
TINY_VOCAB_BYTES = '\n'.join(TINY_VOCAB).encode('utf-8') + b'\n'
CURLY_QUOTES = '“”‘’'


def _counts(vocab_bytes: bytes, documents) -> list:
    """The Counts the tokenization check yields for ``documents``, summed per name as SumStats does."""
    tokenizer = _Tokenizer(vocab_bytes, True)
    tokenizer.setup()
    sums = {}
    for document in documents:
        for outcome in tokenizer(document):
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
