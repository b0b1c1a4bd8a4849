"""The job's instance kinds and masking modes end to end: several lengths in one run, dynamic
masking read back and collated, SOP and packed output, MacBERT counts, and the option checks."""
import collections
import hashlib
import json

import pytest

from beam_jobs.build_pretraining_data import run
from schemas.bert_features import feature_lengths
from tests.conftest import DEMO_CORPUS
from tests.example_proto import parse_example, read_tfrecord_file
from wwm.segmenters import make_segmenter
from wwm.instances.word_boundaries import is_chinese_char

pytestmark = pytest.mark.job

CLS, SEP, MASK = 101, 102, 103


def _run(output_dir, vocab_path, *extra):
    args = ['--input', str(DEMO_CORPUS / '*'), '--output_dir', str(output_dir), '--num_shards', '3',
            '--vocab_file', str(vocab_path)] + list(extra)
    assert run(args) == 0


def _manifest(folder):
    return json.loads((folder / 'manifest.json').read_text(encoding='utf-8'))


def _digests(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob('*')) if p.is_file()}


def _tfrecord_layout(manifest) -> dict:
    """Shards and features of the TFRecord output: nested per output format from manifest version 2
    on, at the top level before."""
    return manifest['formats']['tfrecord'] if 'formats' in manifest else manifest


def _examples(folder):
    """Every example of a dataset as name -> values, read by protobuf and Beam's TFRecord reader."""
    return [{name: values for name, (_, values) in parse_example(record).items()}
            for shard in _tfrecord_layout(_manifest(folder))['shards']
            for record in read_tfrecord_file(str(folder / shard['file_name']))]


def test_two_lengths_in_one_run_on_two_workers_equal_two_separate_runs(tmp_path, real_vocab_path):
    common = ['--dupe_factor', '2', '--mask_strategy', 'ngram']
    _run(tmp_path / 'both', real_vocab_path, '--max_seq_length', '128', '--max_seq_length', '512', *common,
         '--direct_running_mode=multi_processing', '--direct_num_workers=2')
    _run(tmp_path / 'only128', real_vocab_path, '--max_seq_length', '128', *common)
    _run(tmp_path / 'only512', real_vocab_path, '--max_seq_length', '512', *common)
    assert sorted(p.name for p in (tmp_path / 'both').iterdir()) == ['seq128', 'seq512']
    assert _digests(tmp_path / 'both' / 'seq128') == _digests(tmp_path / 'only128')
    assert _digests(tmp_path / 'both' / 'seq512') == _digests(tmp_path / 'only512')
    long, short = _manifest(tmp_path / 'both' / 'seq512'), _manifest(tmp_path / 'both' / 'seq128')
    assert (long['options']['max_predictions_per_seq'], short['options']['max_predictions_per_seq']) == (77, 20)
    assert long['counts']['instances'] < short['counts']['instances']
    assert max(sum(e['input_mask']) for e in _examples(tmp_path / 'both' / 'seq512')) > 128
    assert set(feature_lengths(512, 77).values()) == {512, 77, 1}


def test_dynamic_sop_output_reads_back_and_collates(tmp_path, real_vocab_path, real_vocab):
    torch = pytest.importorskip('torch')
    from wwm.training.collator import IGNORE_INDEX, WholeWordMaskingCollator

    _run(tmp_path / 'dyn', real_vocab_path, '--masking', 'dynamic', '--sentence_pair', 'sop')
    manifest = _manifest(tmp_path / 'dyn')
    assert manifest['options']['dupe_factor'] == 1
    assert {f['name'] for f in _tfrecord_layout(manifest)['features']} == {
        'input_ids', 'input_mask', 'segment_ids', 'word_ids', 'chinese_ref', 'next_sentence_labels'}
    examples = _examples(tmp_path / 'dyn')
    id_to_token = {i: t for t, i in real_vocab.items()}
    labels = []
    for example in examples:
        assert all(len(example[name]) == 128 for name in ('input_ids', 'input_mask', 'segment_ids', 'word_ids'))
        length = sum(example['input_mask'])
        ids, words = example['input_ids'][:length], example['word_ids']
        assert MASK not in ids and ids.count(SEP) == 2
        assert [w == -1 for w in words[:length]] == [t in (CLS, SEP) for t in ids] and set(words[length:]) <= {-1}
        ref = [p for p in example['chinese_ref'] if p]
        assert ref == sorted(ref) and set(example['chinese_ref'][len(ref):]) <= {0}
        assert all(words[p] == words[p - 1] >= 0 and is_chinese_char(id_to_token[ids[p]]) for p in ref)
        labels.append(example['next_sentence_labels'][0])
    assert len(examples) == manifest['counts']['instances'] > 100
    assert manifest['counts']['swapped_instances'] == sum(labels)
    assert 0.35 < sum(labels) / len(labels) < 0.65
    collator = WholeWordMaskingCollator.from_vocab_file(str(tmp_path / 'dyn' / 'vocab.txt'),
                                                        return_sentence_labels=True)
    batch = collator(examples[:16])
    predicted = batch['labels'].ne(IGNORE_INDEX).sum().item()
    assert 0.1 < predicted / batch['attention_mask'].sum().item() < 0.2
    assert batch['next_sentence_label'].tolist() == labels[:16]
    assert batch['input_ids'].shape[1] == max(sum(e['input_mask']) for e in examples[:16])
    assert torch.equal(batch['token_type_ids'][0, :sum(examples[0]['input_mask'])],
                       torch.tensor(examples[0]['segment_ids'][:sum(examples[0]['input_mask'])]))


@pytest.mark.parametrize('cross', [False, True])
def test_packed_full_sentences(tmp_path, real_vocab_path, cross):
    extra = ['--cross_document'] if cross else []
    _run(tmp_path / 'packed', real_vocab_path, '--sentence_pair', 'none', '--dupe_factor', '1', *extra)
    examples = _examples(tmp_path / 'packed')
    manifest = _manifest(tmp_path / 'packed')
    inner_separators = 0
    for example in examples:
        length = sum(example['input_mask'])
        ids = example['input_ids'][:length]
        assert ids[0] == CLS and ids[-1] == SEP and set(example['segment_ids']) == {0}
        assert example['next_sentence_labels'] == [0]
        inner_separators += ids[1:-1].count(SEP)
    assert len(examples) == manifest['counts']['instances'] > 50
    assert 'random_next_instances' not in manifest['counts']
    assert (inner_separators > 10) == cross
    tokens = manifest['counts']['instance_tokens']
    # Every token of the kept documents is packed exactly once (dupe_factor 1): [CLS] and [SEP] aside.
    assert tokens - 2 * len(examples) - inner_separators == manifest['counts']['tokens']


def test_mac_run_counts_similar_word_replacements(tmp_path, real_vocab_path):
    text = (DEMO_CORPUS / 'news.txt').read_text(encoding='utf-8')
    words = collections.Counter(w for ws in make_segmenter('jieba').segment(text.split('\n'))
                                for w in ws if len(w) == 2 and all(is_chinese_char(c) for c in w))
    frequent = [w for w, _ in words.most_common(60)]
    table = tmp_path / 'similar.tsv'
    table.write_text(''.join('%s\t%s\n' % (w, frequent[(n + 1) % 60]) for n, w in enumerate(frequent[:30])),
                     encoding='utf-8')
    _run(tmp_path / 'mac', real_vocab_path, '--mask_strategy', 'mac', '--similar_words', str(table),
         '--dupe_factor', '2')
    manifest = _manifest(tmp_path / 'mac')
    counts = manifest['counts']
    assert counts['similar_word_replacements'] > 20 and counts['similar_word_fallbacks'] > 200
    words_80 = counts['similar_word_replacements'] + counts['similar_word_fallbacks']
    assert abs(words_80 / counts['masked_words'] - 0.8) < 0.05
    assert sum(counts['ngram_length.%d' % n] for n in range(1, 5)) <= counts['masked_words']
    assert manifest['options']['mask_unit'] == 'word'
    assert manifest['options']['similar_words_sha256'] == hashlib.sha256(table.read_bytes()).hexdigest()


@pytest.fixture
def bad_table(tmp_path):
    path = tmp_path / 'bad.tsv'
    path.write_text('只有一个词\n', encoding='utf-8')
    return str(path)


@pytest.mark.parametrize('args, message', [
    (['--sentence_pair', 'mlm'], "unknown --sentence_pair 'mlm'"),
    (['--cross_document'], '--cross_document only applies to --sentence_pair none'),
    (['--masking', 'lazy'], "unknown --masking 'lazy'"),
    (['--mask_strategy', 'span'], "unknown --mask_strategy 'span'"),
    (['--mask_unit', 'char'], "unknown --mask_unit 'char'"),
    (['--mask_strategy', 'mac'], '--mask_strategy mac needs --similar_words'),
    (['--mask_strategy', 'mac', '--similar_words', 'TABLE', '--mask_unit', 'token'], '--mask_unit must be word'),
    (['--mask_strategy', 'mac', '--similar_words', 'TABLE', '--masking', 'dynamic'], 'needs static masking'),
    (['--similar_words', 'TABLE'], '--similar_words is only used by --mask_strategy mac'),
    (['--mask_strategy', 'mac', '--similar_words', '/nonexistent.tsv'], '--similar_words /nonexistent.tsv does not exist'),
    (['--mask_strategy', 'mac', '--similar_words', 'BAD'], 'line 1 is not "word<TAB>similar words'),
    (['--ngram_probs', '0.5,0.5'], '--ngram_probs is only used by --mask_strategy ngram or mac'),
    (['--mask_strategy', 'ngram', '--ngram_probs', '0.5,0.4'], 'probabilities summing to 1'),
    (['--mask_strategy', 'ngram', '--ngram_probs', 'half,half'], 'comma-separated numbers'),
    (['--max_seq_length', '128', '--max_seq_length', '512', '--max_predictions_per_seq', '20'],
     'give --max_predictions_per_seq once per --max_seq_length (2)'),
    (['--max_seq_length', '128', '--max_seq_length', '128'], '--max_seq_length repeats a value: 128 128'),
    (['--max_seq_length', '128', '--max_seq_length', '64', '--max_predictions_per_seq', '20',
      '--max_predictions_per_seq', '70'], 'between 1 and max_seq_length - 3 (61), got 70'),
    (['--dupe_factor', '0'], '--dupe_factor must be at least 1'),
])
def test_wrong_or_inconsistent_options_stop_with_one_line(tmp_path, capsys, real_vocab_path, bad_table,
                                                          args, message):
    table = tmp_path / 'table.tsv'
    table.write_text('中国\t美国\n', encoding='utf-8')
    args = [str(table) if a == 'TABLE' else bad_table if a == 'BAD' else a for a in args]
    code = run(['--input', str(DEMO_CORPUS / '*'), '--output_dir', str(tmp_path / 'out'),
                '--vocab_file', str(real_vocab_path)] + args)
    err = capsys.readouterr().err
    assert code == 2 and err.count('\n') == 1 and message in err, err
    assert not (tmp_path / 'out').exists()


def test_existing_dataset_of_one_length_needs_overwrite(tmp_path, capsys, real_vocab_path):
    (tmp_path / 'out' / 'seq512').mkdir(parents=True)
    (tmp_path / 'out' / 'seq512' / 'manifest.json').write_text('{}')
    args = ['--input', str(DEMO_CORPUS / '*'), '--output_dir', str(tmp_path / 'out'),
            '--vocab_file', str(real_vocab_path), '--max_seq_length', '128', '--max_seq_length', '512']
    assert run(args) == 2
    assert 'seq512 already holds a dataset; pass --overwrite' in capsys.readouterr().err
