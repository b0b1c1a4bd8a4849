"""Any tokenizer end to end: a user's tokenizer.json (byte-level BPE, RoBERTa's special tokens) and
tokenizers trained inside the job, on real news."""
import json
import re

import pytest

from beam_jobs.build_pretraining_data import run
from beam_jobs.inspect import main as inspect_main
from tests import tokenizer_models
from tests.job_runs import digests, write_thucnews_slice
from tests.output_datasets import dataset_instances
from tests.wwm.training.doc_recipes import run_recipe
from wwm.training.collator import WholeWordMaskingCollator

pytestmark = pytest.mark.job

ARTICLES = 60


def _manifest(folder) -> dict:
    return json.loads((folder / 'manifest.json').read_text(encoding='utf-8'))


def _run(corpus, output_dir, *extra):
    assert run(['--input', corpus, '--output_dir', str(output_dir), '--num_shards', '2',
                '--dupe_factor', '1', '--convert', 'none', '--output_format', 'parquet'] + list(extra)) == 0
    return _manifest(output_dir)


def _no_space(text: str) -> str:
    return re.sub(r'\s+', '', text)


def _assert_whole_words_masked(output_dir, instances, collator=None):
    """The collator made from the dataset masks each word (its word_ids) whole or not at all."""
    import torch

    torch.manual_seed(0)
    collator = collator or WholeWordMaskingCollator.from_dataset(str(output_dir), masked_lm_prob=0.3)
    features = [{'input_ids': i.input_ids, 'word_ids': i.word_ids, 'segment_ids': i.segment_ids}
                for i in instances[:64]]
    labels = collator(features)['labels']
    masked_words = 0
    for feature, row in zip(features, labels.tolist()):
        for word in set(feature['word_ids']) - {-1}:
            predicted = {row[p] != -100 for p, w in enumerate(feature['word_ids']) if w == word}
            assert len(predicted) == 1, 'word %d masked in part' % word
            masked_words += predicted == {True}
    assert masked_words > 0


def test_a_users_byte_level_bpe_gives_decodable_instances_whole_words_and_its_file(tmp_path):
    from tokenizers import Tokenizer

    corpus = write_thucnews_slice(tmp_path, ARTICLES)
    tokenizer_path = tmp_path / 'tokenizer.json'
    tokenizer_path.write_text(tokenizer_models.byte_level_bpe(), encoding='utf-8')
    output_dir = tmp_path / 'out'
    # the text as it is (no cleaning), to find each instance's decoded text in it
    manifest = _run(corpus, output_dir, '--tokenizer', str(tokenizer_path), '--masking', 'dynamic',
                    '--sentence_pair', 'none', '--max_seq_length', '512', '--remove_boilerplate', 'false',
                    '--urls', 'keep', '--strip_html', 'false', '--output_format', 'tfrecord,mds')
    vocab = manifest['vocab']
    assert (vocab['file'], vocab['model']) == ('tokenizer.json', 'BPE')
    assert vocab['special_tokens'] == {'cls': ['<s>', 0], 'sep': ['</s>', 2], 'mask': ['<mask>', 4],
                                       'pad': ['<pad>', 1], 'unk': ['<unk>', 3]}
    assert (output_dir / 'tokenizer.json').read_bytes() == tokenizer_path.read_bytes()
    assert manifest['counts']['multi_word_tokens'] > 0    # BPE merges across jieba's words
    assert manifest['counts']['unknown_tokens'] == 0       # byte-level: no unknown token
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    corpus_text = _no_space(open(corpus, encoding='utf-8').read())
    instances = dataset_instances(output_dir, manifest, 'parquet')
    assert len(instances) == manifest['counts']['instances'] > 0
    for instance in instances:
        ids = list(instance.input_ids)
        assert ids[0] == 0 and ids[-1] == 2 and 0 not in ids[1:-1] and 2 not in ids[1:-1]
        # packed sentences of one document: their text, in the corpus
        assert _no_space(tokenizer.decode(ids[1:-1])) in corpus_text
    # docs/masking.md's ModernBERT collator, as written: 30% at its first batch
    collator = run_recipe('modernbert', output_dir)['collator']
    assert collator.schedule.rate(0) == 0.30
    _assert_whole_words_masked(output_dir, instances, collator)
    for other in ('tfrecord', 'mds'):  # the same instances in the same order in every format
        assert dataset_instances(output_dir, manifest, other) == instances
    assert inspect_main([str(output_dir), '--examples', '1']) == 0


# WordPiece's training in the job: tests/jobs/test_pipeline.py and tests/transforms/test_train_tokenizer.py
@pytest.mark.parametrize('kind', ['bpe'])
def test_a_tokenizer_trained_in_the_job_is_the_same_on_one_and_two_workers(tmp_path, kind):
    corpus = write_thucnews_slice(tmp_path, ARTICLES)
    args = ['--train_tokenizer', kind, '--vocab_size', '3000', '--masking', 'dynamic']
    one = _run(corpus, tmp_path / 'one', *args)
    _run(corpus, tmp_path / 'two', *args, '--direct_num_workers', '2',
         '--direct_running_mode', 'multi_processing')
    assert digests(tmp_path / 'one') == digests(tmp_path / 'two')
    name = {'bpe': 'tokenizer.json', 'wordpiece': 'vocab.txt'}[kind]
    assert one['vocab']['file'] == name and (tmp_path / 'one' / name).exists()
    assert one['vocab']['source'] == 'trained in the job (%s)' % kind
    assert one['vocab']['size'] <= 3000 if kind == 'bpe' else one['vocab']['size'] > 1000
    assert one['counts']['unknown_tokens'] == 0   # trained on this very text
    _assert_whole_words_masked(tmp_path / 'one', dataset_instances(tmp_path / 'one', one, 'parquet'))


def test_8192_token_packs_across_documents_are_full_decode_to_the_corpus_and_store_int16_ids(tmp_path):
    import pyarrow.parquet as pq
    from tokenizers import Tokenizer

    corpus = write_thucnews_slice(tmp_path, 120)
    tokenizer_path = tmp_path / 'tokenizer.json'
    tokenizer_path.write_text(tokenizer_models.byte_level_bpe(), encoding='utf-8')
    output_dir = tmp_path / 'out'
    manifest = _run(corpus, output_dir, '--tokenizer', str(tokenizer_path), '--max_seq_length', '8192',
                    '--sentence_pair', 'none', '--cross_document', '--short_seq_prob', '0',
                    '--masking', 'dynamic', '--remove_boilerplate', 'false', '--urls', 'keep',
                    '--strip_html', 'false')
    instances = dataset_instances(output_dir, manifest, 'parquet')
    lengths = sorted(len(instance.input_ids) for instance in instances)
    assert len(instances) >= 8 and lengths[-1] <= 8192
    # full to within a sentence, but for the last pack: a sentence that does not fit starts the next
    assert all(length > 8192 - 300 for length in lengths[1:]), lengths
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    corpus_text = _no_space(open(corpus, encoding='utf-8').read())
    for instance in instances:
        ids = list(instance.input_ids)
        assert ids[0] == 0 and ids[-1] == 2
        pieces = ' '.join(map(str, ids[1:-1])).split(' 2 ')  # documents, [SEP] between them
        for piece in pieces:
            assert _no_space(tokenizer.decode([int(i) for i in piece.split()])) in corpus_text
    shard = output_dir / manifest['formats']['parquet']['shards'][0]['file_name']
    assert str(pq.read_schema(shard).field('input_ids').type) == 'list<element: int16>'
