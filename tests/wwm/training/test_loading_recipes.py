"""The loading recipes of docs/outputs.md, run as written (only ``dataset_dir`` changed), read the
same instances as the package's reader; a tiny BERT trains on each format with a finite loss."""
import math
import os
import re

import numpy as np
import pytest

from tests.conftest import ROOT
from tests.output_datasets import build_dynamic_dataset, build_static_dataset, dataset_instances
from wwm.records.bert_padding import padded_features
from wwm.tokens.vocab import parse_vocab

os.environ.setdefault('USE_TF', '0')   # transformers need not import TensorFlow for PyTorch models

RECIPE = re.compile(r'<!-- recipe: (\S+) -->\n```python\n(.*?)```', re.S)


def _recipes() -> dict:
    text = (ROOT / 'docs' / 'outputs.md').read_text(encoding='utf-8')
    recipes = dict(RECIPE.findall(text))
    assert len(recipes) == text.count('```python'), 'every Python block of outputs.md is a recipe'
    return recipes


def _run_recipe(name: str, dataset_dir) -> dict:
    code = _recipes()[name]
    assert code.count("dataset_dir = 'out'\n") == 1
    namespace = {}
    exec(compile(code.replace("dataset_dir = 'out'", 'dataset_dir = %r' % str(dataset_dir)),
                 'docs/outputs.md:' + name, 'exec'), namespace)
    return namespace


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


@pytest.mark.parametrize('masking', ['static', 'dynamic'])
def test_tf_data_recipe_parses_the_padded_instances(small_datasets, masking):
    pytest.importorskip('tensorflow', reason='TensorFlow is an optional test dependency')
    import tensorflow as tf
    output_dir, manifest = small_datasets[masking]
    parsed = list(_run_recipe('tf.data', output_dir)['dataset'].as_numpy_iterator())
    expected = [padded_features(i, masking, 128, 20)
                for i in dataset_instances(output_dir, manifest, 'arrow')]
    assert len(parsed) == len(expected) == manifest['counts']['instances'] > 30
    for got, want in zip(parsed, expected):
        assert set(got) == set(want)
        for name, values in want.items():
            value = got[name]
            if isinstance(value, tf.compat.v1.SparseTensorValue):
                value = value.values
            np.testing.assert_array_equal(value, np.array(values, dtype=value.dtype), err_msg=name)


def test_datasets_recipe_reads_arrow_and_parquet(small_datasets, tmp_path, monkeypatch):
    datasets = pytest.importorskip('datasets')
    monkeypatch.setattr(datasets.config, 'HF_DATASETS_CACHE', str(tmp_path / 'hf'))
    for masking, (output_dir, manifest) in small_datasets.items():
        namespace = _run_recipe('datasets', output_dir)
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
    namespace = _run_recipe('pytorch', output_dir)
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
