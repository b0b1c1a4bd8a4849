"""wwm/ is Beam-free: only wwm/filesystems.py may import Beam, a trainer reads a dataset with the
documented classes where Beam cannot be imported at all, and training/setup.py (the trainer's
install) requires what they load."""
import ast
import json
import os
import re
import subprocess
import sys

import pytest

from schemas.records import InstanceKey, TrainingInstance
from tests.conftest import ROOT
from tests.output_datasets import dataset_instances, write_dataset

FILESYSTEM_SEAM = ROOT / 'wwm' / 'filesystems.py'
FORMATS = ('tfrecord', 'arrow', 'parquet')
VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '中', '国', '人', '民', '大', '学']

# Run first in each subprocess: every import of apache_beam fails as where it is not installed.
NO_BEAM = '''
import importlib.abc, sys
class NoBeam(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition('.')[0] == 'apache_beam':
            raise ModuleNotFoundError('No module named %r' % name, name=name)
        return None
sys.meta_path.insert(0, NoBeam())
'''

TRAINER = '''
import importlib.metadata, json, os, sys
started_with = set(sys.modules)
from wwm.records.shard_readers import read_instances
from wwm.training.collator import WholeWordMaskingCollator
from wwm.training.datasets import PretrainingDataset
dataset_dir, formats = sys.argv[1], %r
collator = WholeWordMaskingCollator.from_vocab_file(os.path.join(dataset_dir, 'vocab.txt'))
manifest = json.load(open(os.path.join(dataset_dir, 'manifest.json')))
for fmt in formats:
    for shard in manifest['formats'][fmt]['shards']:
        list(read_instances(os.path.join(dataset_dir, shard['file_name']), fmt))
# What the package needs before torch (which the trainer brings) is imported.
loaded = {name.partition('.')[0] for name in set(sys.modules) - started_with}
loaded -= set(sys.stdlib_module_names)
modules = importlib.metadata.packages_distributions()
distributions = sorted({dist for name in loaded - {'wwm', 'schemas'} for dist in modules.get(name, ())})
items = {fmt: [item['input_ids'].tolist() for item in PretrainingDataset(dataset_dir, fmt)]
         for fmt in formats}
batch = collator(list(PretrainingDataset(dataset_dir, 'arrow')))
try:
    PretrainingDataset('gs://bucket/dataset')
    remote_error = None
except ValueError as error:
    remote_error = str(error)
print(json.dumps({'items': items, 'batch': list(batch['input_ids'].shape),
                  'distributions': distributions, 'remote_error': remote_error,
                  'beam_loaded': 'apache_beam' in sys.modules}))
''' % (FORMATS,)


def _beam_imports(path) -> list:
    """Line numbers of the module's imports of apache_beam or any of its submodules."""
    tree = ast.parse(path.read_text(encoding='utf-8'), str(path))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module]
        else:
            continue
        if any(name.partition('.')[0] == 'apache_beam' for name in names):
            lines.append(node.lineno)
    return lines


def _python(code: str, *args) -> str:
    result = subprocess.run([sys.executable, '-c', code, *map(str, args)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_only_the_filesystem_seam_imports_beam():
    modules = sorted((ROOT / 'wwm').rglob('*.py'))
    offenders = {str(path.relative_to(ROOT)): lines for path in modules
                 if path != FILESYSTEM_SEAM and (lines := _beam_imports(path))}
    assert offenders == {}, 'wwm modules importing apache_beam (use wwm.filesystems): %s' % offenders
    assert _beam_imports(FILESYSTEM_SEAM) and len(modules) > 20


def test_importing_the_training_package_loads_no_beam():
    """Where Beam is installed too: the trainer's imports do not pay for it."""
    out = _python('import sys\nimport wwm.training.collator, wwm.training.datasets\n'
                  "print('apache_beam' in sys.modules)")
    assert out.strip() == 'False'


def _instance(number: int) -> TrainingInstance:
    """[CLS] + 2..5 CJK tokens in words of two + [SEP], dynamic masking's fields filled."""
    tokens = [5 + (number + k) % 6 for k in range(2 + number % 4)]
    words = [k // 2 for k in range(len(tokens))]
    return TrainingInstance([2] + tokens + [3], [0] * (len(tokens) + 2), number % 2, [], [],
                            [-1] + words + [-1], [1 + k for k in range(len(tokens)) if k % 2])


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    """(folder, manifest, instances) of a dynamic dataset in every format, TFRecord gzipped."""
    instances = [_instance(number) for number in range(12)]
    keyed = [(InstanceKey('doc:%d' % number, 0, 0), instance)
             for number, instance in enumerate(instances)]
    vocab_bytes = ''.join(token + '\n' for token in VOCAB).encode('utf-8')
    dataset_dir = tmp_path_factory.mktemp('beam_free') / 'dataset'
    manifest = write_dataset(dataset_dir, keyed, 'dynamic', vocab_bytes, formats=FORMATS,
                             num_shards=2, compression='gzip', max_seq_length=8,
                             max_predictions_per_seq=2)
    return dataset_dir, manifest, instances


@pytest.fixture(scope='module')
def trainer_without_beam(dataset) -> dict:
    """What the trainer's script saw, run where apache_beam cannot be imported."""
    return json.loads(_python(NO_BEAM + TRAINER, dataset[0]))


def test_a_trainer_reads_every_format_without_beam(dataset, trainer_without_beam):
    dataset_dir, manifest, instances = dataset
    result = trainer_without_beam
    assert result['beam_loaded'] is False
    assert any(shard['file_name'].endswith('.gz') for shard in manifest['formats']['tfrecord']['shards'])
    padded = sorted(tuple(i.input_ids + [0] * (8 - len(i.input_ids))) for i in instances)
    for output_format in FORMATS:
        expected = [instance.input_ids + [0] * (8 - len(instance.input_ids))
                    for instance in dataset_instances(dataset_dir, manifest, output_format)]
        assert result['items'][output_format] == expected, output_format
        assert sorted(map(tuple, expected)) == padded
    assert result['batch'] == [len(instances), 7]
    assert 'gs://bucket/dataset' in result['remote_error'] and 'apache-beam' in result['remote_error']


def _normalized(name: str) -> str:
    return re.sub(r'[-_.]+', '-', name).lower()


def test_the_training_distribution_requires_what_the_trainer_imports(trainer_without_beam, tmp_path):
    """training/setup.py (pip install ./training) lists every distribution the training package
    loads, and not Beam."""
    subprocess.run([sys.executable, 'setup.py', '-q', 'egg_info', '--egg-base', str(tmp_path)],
                   cwd=ROOT / 'training', check=True, capture_output=True)
    requires = (tmp_path / 'zh_wwm_training.egg-info' / 'requires.txt').read_text(encoding='utf-8')
    required = {_normalized(re.match(r'[A-Za-z0-9_.-]+', line).group(0))
                for line in requires.split() if line}
    loaded = {_normalized(name) for name in trainer_without_beam['distributions']}
    assert 'apache-beam' not in required and 'numpy' in loaded
    assert loaded - {'zh-wwm-data', 'zh-wwm-training'} <= required
