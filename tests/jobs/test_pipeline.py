"""The whole job on the demo corpus and on real text: the BERT contract, accounting, determinism."""
import hashlib
import json
import shutil

import pytest

from beam_jobs.build_pretraining_data import run
from schemas.bert_features import feature_lengths
from tests.conftest import DEMO_CORPUS, shared_file
from tests.example_proto import parse_example, read_tfrecord_file

pytestmark = pytest.mark.job

MASK = 103


def _run(output_dir, *extra, corpus=str(DEMO_CORPUS / '*')):
    args = ['--input', corpus, '--output_dir', str(output_dir), '--dupe_factor', '2',
            '--num_shards', '3'] + list(extra)
    assert run(args) == 0
    return json.loads((output_dir / 'manifest.json').read_text(encoding='utf-8'))


def _digests(output_dir):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(output_dir.rglob('*')) if p.is_file()}


@pytest.fixture(scope='module')
def demo_dataset(tmp_path_factory, real_vocab_path):
    output_dir = tmp_path_factory.mktemp('demo') / 'out'
    manifest = _run(output_dir, '--vocab_file', str(real_vocab_path))
    return output_dir, manifest


def test_shards_parse_with_the_bert_feature_spec(demo_dataset):
    output_dir, manifest = demo_dataset
    lengths = feature_lengths(128, 20)
    total = 0
    for shard in manifest['formats']['tfrecord']['shards']:
        records = read_tfrecord_file(str(output_dir / shard['file_name']))
        assert len(records) == shard['records']
        for record in records:
            example = parse_example(record)
            assert set(example) == set(lengths)
            for name, (kind, values) in example.items():
                assert len(values) == lengths[name], name
                assert kind == ('float_list' if name == 'masked_lm_weights' else 'int64_list')
            mask = example['input_mask'][1]
            real = sum(mask)
            assert mask == [1] * real + [0] * (128 - real)
            ids = example['input_ids'][1]
            assert ids[0] == 101 and ids[real - 1] == 102 and ids[real:] == [0] * (128 - real)
            weights = example['masked_lm_weights'][1]
            predictions = int(sum(weights))
            positions = example['masked_lm_positions'][1][:predictions]
            assert positions == sorted(positions) and 0 not in positions
            assert all(p < real and ids[p] not in (101, 102) for p in positions)
            assert example['masked_lm_ids'][1][predictions:] == [0] * (20 - predictions)
            assert example['next_sentence_labels'][1][0] in (0, 1)
            total += 1
    assert total == manifest['counts']['instances'] > 100


def test_manifest_accounts_for_every_document(demo_dataset):
    output_dir, manifest = demo_dataset
    counts = manifest['counts']
    assert counts['documents_read'] == 47
    assert counts['documents_read'] == counts['documents_kept'] + sum(manifest['dropped'].values())
    assert counts['masked_tokens'] > 0.12 * counts['instance_tokens']
    assert len(manifest['formats']['tfrecord']['shards']) == 3
    assert (output_dir / 'vocab.txt').read_bytes() == shared_file('vocab/vocab.txt').read_bytes()
    assert manifest['vocab']['sha256'] == hashlib.sha256((output_dir / 'vocab.txt').read_bytes()).hexdigest()
    for shard in manifest['formats']['tfrecord']['shards']:
        assert hashlib.sha256((output_dir / shard['file_name']).read_bytes()).hexdigest() == shard['sha256']
    assert not (output_dir / '.incomplete').exists()


def test_unknown_tokens_reach_the_manifest(demo_dataset):
    """Google's vocab lacks curly quotes and dashes, which the demo corpus has: the [UNK] count and
    its characters come through the job's counts into the manifest."""
    _, manifest = demo_dataset
    assert manifest['counts']['unknown_tokens'] > 0
    assert sum(count for _, count in manifest['unknown_characters']) <= manifest['counts']['unknown_tokens']
    assert {'“', '—'} & {char for char, _ in manifest['unknown_characters']}


def test_traditional_text_is_converted_to_simplified(demo_dataset, real_vocab):
    output_dir, manifest = demo_dataset
    traditional = {real_vocab[c] for c in '臺灣網經濟資訊發學' if c in real_vocab}
    simplified = {real_vocab[c] for c in '台湾网经济资讯发学'}
    seen = set()
    for shard in manifest['formats']['tfrecord']['shards']:
        for record in read_tfrecord_file(str(output_dir / shard['file_name'])):
            example = parse_example(record)
            seen.update(example['input_ids'][1])
            seen.update(example['masked_lm_ids'][1])
    assert seen & simplified and not seen & (traditional - simplified)


def test_same_input_and_seed_give_identical_bytes_and_seed_matters(demo_dataset, tmp_path, real_vocab_path):
    output_dir, _ = demo_dataset
    again = tmp_path / 'again'
    _run(again, '--vocab_file', str(real_vocab_path))
    assert _digests(again) == _digests(output_dir)
    other_seed = tmp_path / 'seed'
    _run(other_seed, '--vocab_file', str(real_vocab_path), '--random_seed', '7')
    assert _digests(other_seed)['part-00000-of-00003.tfrecord'] != _digests(output_dir)['part-00000-of-00003.tfrecord']


def test_multi_processing_workers_give_identical_bytes(demo_dataset, tmp_path, real_vocab_path):
    output_dir, _ = demo_dataset
    multi = tmp_path / 'multi'
    _run(multi, '--vocab_file', str(real_vocab_path), '--direct_running_mode=multi_processing',
         '--direct_num_workers=2')
    assert _digests(multi) == _digests(output_dir)


def test_moving_the_corpus_does_not_change_the_output(demo_dataset, tmp_path, real_vocab_path):
    output_dir, _ = demo_dataset
    moved = tmp_path / 'elsewhere' / 'corpus'
    shutil.copytree(DEMO_CORPUS, moved)
    _run(tmp_path / 'moved', '--vocab_file', str(real_vocab_path), corpus=str(moved / '*'))
    assert _digests(tmp_path / 'moved') == _digests(output_dir)


def test_without_vocab_file_a_bert_layout_vocab_is_trained(tmp_path):
    manifest = _run(tmp_path / 'trained', '--vocab_size', '3000', '--dupe_factor', '1')
    vocab = (tmp_path / 'trained' / 'vocab.txt').read_text(encoding='utf-8').split('\n')
    assert vocab[:2] == ['[PAD]', '[unused1]'] and vocab[100:104] == ['[UNK]', '[CLS]', '[SEP]', '[MASK]']
    assert '##语' in vocab and '语' in vocab
    assert manifest['vocab']['source'] == 'trained in the job (wordpiece)'
    assert manifest['counts']['instances'] > 50


def test_real_corpus_masking_statistics(tmp_path, real_vocab_path):
    corpus = tmp_path / 'thucnews.txt'
    lines = shared_file('news/thucnews_cnews_1000.txt').read_text(encoding='utf-8').split('\n')[:150]
    corpus.write_text('\n\n'.join(line.split('\t', 1)[1] for line in lines if '\t' in line), encoding='utf-8')
    manifest = _run(tmp_path / 'news', '--vocab_file', str(real_vocab_path), corpus=str(corpus))
    masked = kept = total = 0
    for shard in manifest['formats']['tfrecord']['shards']:
        for record in read_tfrecord_file(str(tmp_path / 'news' / shard['file_name'])):
            example = parse_example(record)
            ids = example['input_ids'][1]
            n = int(sum(example['masked_lm_weights'][1]))
            for position, original in zip(example['masked_lm_positions'][1][:n], example['masked_lm_ids'][1][:n]):
                masked += ids[position] == MASK
                kept += ids[position] == original
                total += 1
    assert total > 5000
    assert abs(total / manifest['counts']['instance_tokens'] - 0.15) < 0.01
    assert abs(masked / total - 0.8) < 0.02 and abs(kept / total - 0.1) < 0.02
