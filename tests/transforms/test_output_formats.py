"""Every output format holds the same instances, read by independent readers: protobuf and Beam's
TFRecord reader for TFRecord (GZIP undone by Python's gzip), pyarrow for Arrow IPC and Parquet."""
import gzip
import hashlib
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from schemas.bert_features import feature_lengths
from schemas.instance_columns import arrow_schema
from tests.example_proto import parse_example, read_tfrecord_file
from tests.job_runs import digests
from tests.output_datasets import (ALL_FORMATS, build_dynamic_dataset, build_static_dataset,
                                   dataset_instances, write_dataset)
from wwm.tokens.vocab import parse_vocab

STATIC_COLUMNS = ('input_ids', 'segment_ids', 'next_sentence_label', 'masked_lm_positions',
                  'masked_lm_ids')
DYNAMIC_COLUMNS = ('input_ids', 'segment_ids', 'next_sentence_label', 'word_ids', 'chinese_ref')


@pytest.fixture(scope='module')
def static_dataset(tmp_path_factory, real_vocab_path):
    return build_static_dataset(tmp_path_factory.mktemp('formats'), real_vocab_path)


@pytest.fixture(scope='module')
def dynamic_dataset(tmp_path_factory, static_dataset, real_vocab_path):
    vocab_bytes = real_vocab_path.read_bytes()
    id_to_token = {i: token for token, i in parse_vocab(vocab_bytes).items()}
    return build_dynamic_dataset(tmp_path_factory.mktemp('dynamic'), *static_dataset, vocab_bytes,
                                 id_to_token, compression='gzip')


def _protobuf_rows(path, tmp_path, masking, max_seq_length=128, max_predictions=20):
    """Rows of a GZIP TFRecord shard: gunzipped by Python, framing by Beam, Examples by protobuf."""
    plain = tmp_path / (path.name + '.plain')
    plain.write_bytes(gzip.decompress(path.read_bytes()))
    lengths = feature_lengths(max_seq_length, max_predictions, masking)
    rows = []
    for record in read_tfrecord_file(str(plain)):
        example = parse_example(record)
        assert set(example) == set(lengths)
        values = {name: values for name, (_, values) in example.items()}
        for name, length in lengths.items():
            assert length is None or len(values[name]) == length, name
        real = sum(values['input_mask'])
        row = {'input_ids': values['input_ids'][:real], 'segment_ids': values['segment_ids'][:real],
               'next_sentence_label': values['next_sentence_labels'][0]}
        if masking == 'static':
            predictions = int(sum(values['masked_lm_weights']))
            row['masked_lm_positions'] = values['masked_lm_positions'][:predictions]
            row['masked_lm_ids'] = values['masked_lm_ids'][:predictions]
        else:
            assert values['word_ids'][real:] == [-1] * (max_seq_length - real)
            row['word_ids'] = values['word_ids'][:real]
            row['chinese_ref'] = values['chinese_ref']
        rows.append(row)
    return rows


def _pyarrow_rows(path, output_format, masking, vocab_size):
    """Rows as pyarrow reads them; Parquet names list items 'element', the same layout otherwise."""
    table = pa.ipc.open_file(str(path)).read_all() if output_format == 'arrow' else pq.read_table(str(path))
    expected = arrow_schema(masking, vocab_size)
    assert table.schema.metadata[b'masking'] == masking.encode()
    assert table.schema.names == expected.names
    if output_format == 'arrow':
        assert table.schema.equals(expected, check_metadata=True)
    return table.cast(expected).to_pylist()


def _rows_by_format(output_dir, manifest, tmp_path, masking):
    rows = {}
    for output_format in ALL_FORMATS:
        rows[output_format] = []
        for shard in manifest['formats'][output_format]['shards']:
            path = output_dir / shard['file_name']
            if output_format == 'tfrecord':
                rows[output_format] += _protobuf_rows(path, tmp_path, masking)
            else:
                rows[output_format] += _pyarrow_rows(path, output_format, masking, manifest['vocab']['size'])
    return rows


def test_every_format_holds_the_same_instances_in_the_same_order(static_dataset, tmp_path):
    output_dir, manifest = static_dataset
    rows = _rows_by_format(output_dir, manifest, tmp_path, 'static')
    assert len(rows['tfrecord']) == manifest['counts']['instances'] > 150
    assert rows['arrow'] == rows['parquet'] == rows['tfrecord']
    assert set(rows['arrow'][0]) == set(STATIC_COLUMNS)
    assert sum(len(row['masked_lm_positions']) for row in rows['arrow']) == manifest['counts']['masked_tokens']
    for output_format in ALL_FORMATS:
        ours = [{name: getattr(i, name) for name in STATIC_COLUMNS}
                for i in dataset_instances(output_dir, manifest, output_format)]
        assert ours == rows['tfrecord'], output_format


def test_shards_are_exactly_balanced_and_named_by_format(static_dataset):
    output_dir, manifest = static_dataset
    total = manifest['counts']['instances']
    extensions = {'tfrecord': 'tfrecord.gz', 'arrow': 'arrow', 'parquet': 'parquet'}
    for output_format, layout in manifest['formats'].items():
        records = [shard['records'] for shard in layout['shards']]
        assert sum(records) == total and max(records) - min(records) <= 1, records
        assert [s['file_name'] for s in layout['shards']] == [
            'part-%05d-of-00004.%s' % (i, extensions[output_format]) for i in range(4)]
        for shard in layout['shards']:
            data = (output_dir / shard['file_name']).read_bytes()
            assert (len(data), hashlib.sha256(data).hexdigest()) == (shard['num_bytes'], shard['sha256'])
    assert (output_dir / 'part-00000-of-00004.tfrecord.gz').read_bytes()[:2] == b'\x1f\x8b'
    assert manifest['formats']['tfrecord']['compression'] == 'gzip'
    assert manifest['formats']['arrow']['schema'][0] == {
        'name': 'input_ids', 'type': 'list<item: int16>',   # Google's vocab: 21,128 ids
        'meaning': '[CLS] A [SEP] B [SEP]; static: masked ids, dynamic: unmasked ids'}


def test_dynamic_instances_survive_every_format(dynamic_dataset, tmp_path):
    output_dir, manifest, keyed = dynamic_dataset
    rows = _rows_by_format(output_dir, manifest, tmp_path, 'dynamic')
    assert rows['arrow'] == rows['parquet'] == rows['tfrecord']
    assert set(rows['arrow'][0]) == set(DYNAMIC_COLUMNS)
    written = sorted(tuple(tuple(v) if isinstance(v, list) else v for v in row.values())
                     for row in rows['arrow'])
    given = sorted(tuple(getattr(i, name) if name == 'next_sentence_label' else tuple(getattr(i, name))
                         for name in DYNAMIC_COLUMNS) for _, i in keyed)
    assert written == given
    assert any(row['chinese_ref'] for row in rows['arrow']) and any(
        not row['chinese_ref'] for row in rows['arrow'])
    features = {f['name']: f for f in manifest['formats']['tfrecord']['features']}
    assert features['chinese_ref']['length'] is None and features['word_ids']['padding'] == -1
    assert manifest['masking'] == 'dynamic'


def test_same_seed_same_bytes_with_two_worker_processes(static_dataset, tmp_path, real_vocab_path):
    output_dir, manifest = static_dataset
    again, _ = build_static_dataset(tmp_path, real_vocab_path, '--direct_running_mode=multi_processing',
                                    '--direct_num_workers=2')
    assert digests(again) == digests(output_dir)
    assert len([name for name in digests(again) if name.startswith('part-')]) == 12


def test_the_seed_shuffles_the_order_but_not_the_balance(dynamic_dataset, tmp_path, real_vocab_path):
    _, manifest, keyed = dynamic_dataset
    shuffled = list(keyed)
    random.Random(3).shuffle(shuffled)
    other = write_dataset(tmp_path / 'seed', shuffled, 'dynamic', real_vocab_path.read_bytes(),
                          formats=('arrow',), seed=99)
    first = dataset_instances(tmp_path / 'seed', other, 'arrow')
    same_seed = write_dataset(tmp_path / 'same', shuffled, 'dynamic', real_vocab_path.read_bytes(),
                              formats=('arrow',), compression='none')
    assert [s['sha256'] for s in same_seed['formats']['arrow']['shards']] == [
        s['sha256'] for s in manifest['formats']['arrow']['shards']]
    assert sorted(first) == sorted(i for _, i in keyed) and first != [i for _, i in keyed]
    assert [s['records'] for s in other['formats']['arrow']['shards']] == [
        s['records'] for s in manifest['formats']['arrow']['shards']]


def test_more_shards_than_records_gives_every_shard_some_empty(tmp_path, real_vocab_path):
    from beam_jobs import inspect
    output_dir, manifest = build_static_dataset(tmp_path, real_vocab_path, num_shards=48, documents=2)
    total = manifest['counts']['instances']
    assert 0 < total < 48
    for output_format, layout in manifest['formats'].items():
        records = [shard['records'] for shard in layout['shards']]
        assert len(records) == 48 and sum(records) == total and set(records) == {0, 1}
        assert len(dataset_instances(output_dir, manifest, output_format)) == total
    assert inspect.main([str(output_dir), '--examples', '0']) == 0


def test_a_corpus_whose_every_document_is_dropped_gives_empty_shards(tmp_path, real_vocab_path):
    output_dir, manifest = build_static_dataset(tmp_path, real_vocab_path, '--min_chars', '1000000',
                                                '--allow_empty', documents=5)
    assert manifest['counts'].get('instances', 0) == 0 and manifest['dropped'] == {'too_short': 5}
    for output_format, layout in manifest['formats'].items():
        assert [shard['records'] for shard in layout['shards']] == [0, 0, 0, 0]
        assert dataset_instances(output_dir, manifest, output_format) == []
