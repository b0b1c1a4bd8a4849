"""--output_format mds: MosaicML streaming shards and their index.json, holding the Parquet
instances of the same run in the same order, read by streaming.StreamingDataset and by ours."""
import hashlib
import json
import shutil
import sys

import numpy as np
import pytest

from beam_jobs.build_pretraining_data import run
from beam_jobs.inspect import main as inspect_main
from tests.job_runs import digests
from tests.output_datasets import dataset_instances, inspect_a_damaged_copy, news_corpus
from tests.wwm.training.doc_recipes import run_recipe
from wwm.records.shard_readers import read_instances


def _build(tmp_dir, vocab_path, *extra):
    output_dir = tmp_dir / 'mds'
    args = ['--input', str(news_corpus(tmp_dir / 'news.txt', 40)), '--output_dir', str(output_dir),
            '--vocab_file', str(vocab_path), '--dupe_factor', '1', '--num_shards', '3',
            '--output_format', 'parquet,mds']
    assert run(args + list(extra)) == 0
    return output_dir, json.loads((output_dir / 'manifest.json').read_text(encoding='utf-8'))


@pytest.fixture(scope='module')
def mds_dataset(tmp_path_factory, real_vocab_path):
    pytest.importorskip('streaming')
    return _build(tmp_path_factory.mktemp('mds'), real_vocab_path)


def _shards(manifest):
    return [shard for shard in manifest['formats']['mds']['shards'] if shard['file_name'] != 'index.json']


def test_mds_holds_the_parquet_instances_in_order_for_our_reader_and_streaming(mds_dataset, tmp_path):
    from streaming import StreamingDataset   # pylint: disable=import-outside-toplevel
    output_dir, manifest = mds_dataset
    parquet = dataset_instances(output_dir, manifest, 'parquet')
    assert len(parquet) == manifest['counts']['instances'] > 50
    assert dataset_instances(output_dir, manifest, 'mds') == parquet
    types = {column['name']: column['type'][len('list<item: '):-1]
             for column in manifest['formats']['mds']['schema'] if column['type'].startswith('list<')}
    dataset = StreamingDataset(local=str(output_dir), shuffle=False, batch_size=1)
    assert len(dataset) == len(parquet)
    for index, instance in enumerate(parquet):
        sample = dataset[index]
        assert sample['next_sentence_label'] == instance.next_sentence_label
        for name, item_type in types.items():
            assert np.frombuffer(sample[name], '<' + np.dtype(item_type).str[1:]).tolist() == getattr(instance, name)


def test_index_and_shards_are_in_the_manifest_with_their_sha256(mds_dataset):
    output_dir, manifest = mds_dataset
    listed = manifest['formats']['mds']['shards']
    assert [shard['file_name'] for shard in listed] == ['index.json'] + [
        'part-%05d-of-00003.mds' % index for index in range(3)]
    for shard in listed:
        data = (output_dir / shard['file_name']).read_bytes()
        assert (shard['sha256'], shard['num_bytes']) == (hashlib.sha256(data).hexdigest(), len(data))
    index = json.loads((output_dir / 'index.json').read_bytes())
    assert [(s['raw_data']['basename'], s['samples'], s['raw_data']['bytes']) for s in index['shards']] == [
        (s['file_name'], s['records'], s['num_bytes']) for s in _shards(manifest)]
    assert manifest['formats']['mds']['compression'] == 'none'


def test_mds_bytes_are_the_same_with_two_worker_processes(mds_dataset, tmp_path, real_vocab_path):
    output_dir, manifest = mds_dataset
    again, _ = _build(tmp_path, real_vocab_path, '--direct_running_mode=multi_processing',
                      '--direct_num_workers=2')
    assert digests(again) == digests(output_dir)


@pytest.mark.parametrize('victim', ['part-00001-of-00003.mds', 'index.json'])
def test_inspect_verifies_mds_and_finds_a_damaged_file(mds_dataset, tmp_path, victim, capsys):
    output_dir, _ = mds_dataset
    assert inspect_main([str(output_dir)]) == 0
    assert ', 0 problem(s)' in capsys.readouterr().out
    result = inspect_a_damaged_copy(output_dir, tmp_path, victim)
    assert result.returncode == 1
    assert '%s: sha256 differs from the manifest' % victim in result.stderr


def test_a_truncated_mds_shard_is_unreadable(mds_dataset, tmp_path):
    output_dir, _ = mds_dataset
    shutil.copytree(output_dir, tmp_path / 'copy')
    path = tmp_path / 'copy' / 'part-00000-of-00003.mds'
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(ValueError, match='MDS shard'):
        list(read_instances(str(path), 'mds'))


def test_mds_without_the_package_is_one_usage_line(monkeypatch, tmp_path, real_vocab_path, capsys):
    monkeypatch.setitem(sys.modules, 'streaming', None)   # import streaming raises ImportError
    args = ['--input', str(news_corpus(tmp_path / 'news.txt', 2)), '--output_dir', str(tmp_path / 'out'),
            '--vocab_file', str(real_vocab_path), '--output_format', 'mds']
    assert run(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install 'zh-wwm-data[mds]'" in err[0]


def test_the_pytorch_dataset_reads_mds_as_parquet(mds_dataset):
    from wwm.training.datasets import PretrainingDataset   # pylint: disable=import-outside-toplevel
    output_dir, _ = mds_dataset
    mds, parquet = PretrainingDataset(str(output_dir), 'mds'), PretrainingDataset(str(output_dir), 'parquet')
    assert len(mds) == len(parquet)
    for ours, theirs in zip(mds, parquet):
        assert ours.keys() == theirs.keys()
        assert all(ours[name].tolist() == theirs[name].tolist() for name in ours)


def test_the_documented_mds_recipe_reads_the_first_instance(mds_dataset):
    output_dir, manifest = mds_dataset
    first = run_recipe('mds', output_dir)['first']
    instance = dataset_instances(output_dir, manifest, 'parquet')[0]
    assert {name: getattr(value, 'tolist', lambda v=value: v)() for name, value in first.items()} == {
        name: getattr(instance, name) for name in first}
