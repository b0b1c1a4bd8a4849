"""The loading recipes of docs/outputs.md, run as written (only ``dataset_dir`` changed), read the
same instances as the package's reader; a tiny BERT trains on each format with a finite loss. The
feature tables of the docs say what schemas/bert_features.py writes."""
import importlib.util
import math
import re

import numpy as np
import pytest

from schemas import bert_features
from tests.conftest import ROOT
from tests.output_datasets import build_dynamic_dataset, build_static_dataset, dataset_instances
from tests.wwm.training.doc_recipes import RECIPE_DOCS, recipe_for, run_in_child, run_recipe
from wwm.records.bert_padding import padded_features
from wwm.tokens.vocab import parse_vocab


@pytest.fixture(scope='module')
def small_datasets(tmp_path_factory, real_vocab_path):
    """A static dataset from 8 news articles (GZIP TFRecord, Arrow, Parquet) and its dynamic twin."""
    tmp = tmp_path_factory.mktemp('recipes')
    static_dir, static_manifest = build_static_dataset(tmp, real_vocab_path, documents=8)
    vocab_bytes = real_vocab_path.read_bytes()
    id_to_token = {i: token for token, i in parse_vocab(vocab_bytes).items()}
    dynamic_dir, dynamic_manifest, _ = build_dynamic_dataset(tmp, static_dir, static_manifest,
                                                             vocab_bytes, id_to_token)
    return {'static': (static_dir, static_manifest), 'dynamic': (dynamic_dir, dynamic_manifest)}


needs_tensorflow = pytest.mark.skipif(importlib.util.find_spec('tensorflow') is None,
                                      reason='TensorFlow is an optional test dependency')

# Appended to the tf.data recipe: every parsed example as JSON (a VarLenFeature's values only).
_PRINT_PARSED = """
import json as _json
print(_json.dumps([{_name: getattr(_value, 'values', _value).tolist() for _name, _value in _example.items()}
                   for _example in dataset.as_numpy_iterator()]))
"""


@needs_tensorflow
@pytest.mark.parametrize('masking', ['static', 'dynamic'])
def test_tf_data_recipe_parses_the_padded_instances(small_datasets, masking, tmp_path):
    output_dir, manifest = small_datasets[masking]
    parsed = run_in_child(recipe_for('tf.data', output_dir) + _PRINT_PARSED, tmp_path)
    expected = [padded_features(i, masking, 128, 20)
                for i in dataset_instances(output_dir, manifest, 'arrow')]
    assert len(parsed) == len(expected) == manifest['counts']['instances'] > 30
    for got, want in zip(parsed, expected):
        assert set(got) == set(want)
        for name, values in want.items():
            np.testing.assert_allclose(got[name], values, err_msg=name)


@needs_tensorflow
def test_chinese_ref_parsed_as_fixed_length_is_refused(small_datasets, tmp_path):
    """What masking.md once said (max_seq_length values, 0-padded) does not parse: the feature is
    variable-length, so a reader must take it as a VarLenFeature."""
    output_dir, _ = small_datasets['dynamic']
    code = recipe_for('tf.data', output_dir) + """
features['chinese_ref'] = tf.io.FixedLenFeature([128], tf.int64, default_value=[0] * 128)
try:
    list(tf.data.TFRecordDataset(files, compression_type=compression)
         .map(lambda record: tf.io.parse_single_example(record, features)).take(5))
    print('"parsed"')
except tf.errors.InvalidArgumentError:
    print('"refused"')
"""
    assert run_in_child(code, tmp_path) == 'refused'


def _feature_table_rows(text: str):
    """(feature, {header: cell}) for each row of every table whose header has feature and length."""
    header = None
    for line in text.splitlines():
        if not line.startswith('|'):
            header = None
            continue
        cells = [cell.strip() for cell in line.strip().strip('|').split('|')]
        if header is None:
            header = cells if cells[0] == 'feature' and 'length' in cells else []
        elif header and not set(cells[0]) <= set('-: '):
            yield cells[0].strip('`'), dict(zip(header, cells))


def test_every_doc_feature_table_says_what_is_written():
    specs = {spec.name: spec for spec in bert_features.STATIC_MASKING_FEATURES
             + bert_features.DYNAMIC_MASKING_FEATURES}
    rows = [row for doc in RECIPE_DOCS
            for row in _feature_table_rows((ROOT / 'docs' / doc).read_text(encoding='utf-8'))]
    assert {name for name, _ in rows} == set(specs)
    for name, cells in rows:
        assert specs[name].length in cells['length'], (name, cells)
        padding = cells.get('padding', '') + cells.get('meaning', '')
        if specs[name].length == 'variable':
            assert 'padded' not in padding.replace('never padded', '') and not padding.startswith('0'), cells
        elif specs[name].length != '1':
            assert re.search(r'(^|\D)%s\b' % re.escape(str(specs[name].padding)), padding), (name, cells)


def test_datasets_recipe_reads_arrow_and_parquet(small_datasets, tmp_path, monkeypatch):
    datasets = pytest.importorskip('datasets')
    monkeypatch.setattr(datasets.config, 'HF_DATASETS_CACHE', str(tmp_path / 'hf'))
    for masking, (output_dir, manifest) in small_datasets.items():
        namespace = run_recipe('datasets', output_dir)
        ours = [i._asdict() for i in dataset_instances(output_dir, manifest, 'arrow')]
        columns = namespace['arrow'].column_names
        assert namespace['arrow'].to_list() == [{c: row[c] for c in columns} for row in ours]
        assert 'token_type_ids' in namespace['parquet'].column_names
        assert namespace['parquet']['token_type_ids'] == [row['segment_ids'] for row in ours]
        assert ('word_ids' in columns) == (masking == 'dynamic')


def test_pytorch_recipe_trains_on_every_batch(small_datasets, monkeypatch):
    pytest.importorskip('transformers')
    import torch
    from wwm.training import datasets
    output_dir, manifest = small_datasets['static']
    batches = []
    monkeypatch.setattr(datasets, 'bert_pretraining_inputs',
                        _recording(datasets.bert_pretraining_inputs, batches))
    torch.manual_seed(0)
    namespace = run_recipe('pytorch', output_dir)
    assert sum(len(batch['input_ids']) for batch in batches) == manifest['counts']['instances']
    assert math.isfinite(namespace['loss'].item())


def _recording(function, calls):
    def wrapper(batch):
        calls.append(batch)
        return function(batch)
    return wrapper


@pytest.mark.parametrize('output_format', ['tfrecord', 'arrow', 'parquet'])
def test_a_tiny_bert_trains_on_each_format(small_datasets, output_format):
    transformers = pytest.importorskip('transformers')
    import torch
    from wwm.training.datasets import PretrainingDataset, bert_pretraining_inputs
    output_dir, manifest = small_datasets['static']
    data = PretrainingDataset(str(output_dir), output_format)
    loader = torch.utils.data.DataLoader(data, batch_size=8)
    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=21128, hidden_size=32, num_hidden_layers=1,
                                     num_attention_heads=2, intermediate_size=64,
                                     max_position_embeddings=128)
    model = transformers.BertForPreTraining(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    instances = dataset_instances(output_dir, manifest, output_format)
    for step, batch in zip(range(3), loader):
        inputs = bert_pretraining_inputs(batch)
        labelled = inputs['labels'] != -100
        want = instances[step * 8:(step + 1) * 8]
        assert labelled.sum().item() == sum(len(i.masked_lm_positions) for i in want)
        assert inputs['labels'][labelled].tolist() == [t for i in want for t in i.masked_lm_ids]
        loss = model(**inputs).loss
        assert math.isfinite(loss.item()) and loss.item() > 0
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
