"""Datasets for the output tests: a static one made by the job from real news text, and a dynamic
one written by the same shard writer from instances carrying word groups (built here from the static
one's text until the pipeline's dynamic masking stage is wired in)."""
import json
import random
import shutil
import subprocess
import sys

import apache_beam as beam

from beam_jobs.build_pretraining_data import run
from schemas.manifest import format_layout
from schemas.records import InstanceKey, TrainingInstance
from tests.conftest import ROOT, shared_file
from transforms.commit_dataset import CommitDataset
from transforms.write_shards import WriteShards
from wwm.records.shard_readers import read_instances
from wwm.records.shard_writers import output_specs

ALL_FORMATS = ('tfrecord', 'arrow', 'parquet')


def news_corpus(path, documents=80):
    """The first THUCNews articles as plain text documents (blank line between documents)."""
    lines = shared_file('news/thucnews_cnews_1000.txt').read_text(encoding='utf-8').split('\n')
    texts = [line.split('\t', 1)[1] for line in lines if '\t' in line][:documents]
    path.write_text('\n\n'.join(texts), encoding='utf-8')
    return path


def build_static_dataset(tmp_dir, vocab_path, *extra, num_shards=4, documents=80):
    """The job on real news text, every output format, GZIP TFRecord; returns (dir, manifest)."""
    output_dir = tmp_dir / 'static'
    corpus = news_corpus(tmp_dir / 'news.txt', documents)
    args = ['--input', str(corpus), '--output_dir', str(output_dir), '--vocab_file', str(vocab_path),
            '--dupe_factor', '1', '--num_shards', str(num_shards), '--tfrecord_compression', 'gzip']
    args += ['--output_format=%s' % name for name in ALL_FORMATS]
    assert run(args + list(extra)) == 0
    return output_dir, json.loads((output_dir / 'manifest.json').read_text(encoding='utf-8'))


def dataset_instances(output_dir, manifest, output_format):
    """Every instance of one format, shards in order, read by the package's reader."""
    return [instance for shard in manifest['formats'][output_format]['shards']
            for instance in read_instances(str(output_dir / shard['file_name']), output_format)]


def _is_cjk(token: str) -> bool:
    return len(token) == 1 and '\u4e00' <= token <= '\u9fff'


def as_dynamic(instance: TrainingInstance, id_to_token: dict, rng: random.Random,
               longest_word: int = 3) -> TrainingInstance:
    """The instance unmasked, its tokens grouped into words of 1..longest_word CJK tokens."""
    ids = list(instance.input_ids)
    for position, original in zip(instance.masked_lm_positions, instance.masked_lm_ids):
        ids[position] = original
    word_ids, refs, group, run_left = [], [], -1, 0
    for position, token_id in enumerate(ids):
        token = id_to_token[token_id]
        if token in ('[CLS]', '[SEP]'):
            word_ids.append(-1)
            run_left = 0
            continue
        if run_left and _is_cjk(token):
            refs.append(position)
            run_left -= 1
        else:
            group += 1
            run_left = rng.randrange(longest_word) if _is_cjk(token) else 0
        word_ids.append(group)
    return TrainingInstance(ids, list(instance.segment_ids), instance.next_sentence_label, [], [],
                            word_ids, refs)


def write_dataset(output_dir, keyed_instances, masking, vocab_bytes, formats=ALL_FORMATS,
                  num_shards=3, compression='none', max_seq_length=128, max_predictions_per_seq=20,
                  seed=12345, **write_options):
    """WriteShards + CommitDataset, as the job wires them, on given (InstanceKey, instance) pairs."""
    vocab_size = vocab_bytes.count(b'\n')
    specs = output_specs(formats, compression, masking, max_seq_length, max_predictions_per_seq, vocab_size)
    options = {'max_seq_length': max_seq_length, 'max_predictions_per_seq': max_predictions_per_seq,
               'mask_strategy': 'wwm', 'random_seed': seed, 'num_shards': num_shards}
    layouts = {spec.output_format: format_layout(*spec) for spec in specs}
    vocab_info = {'source': 'test', 'size': vocab_size}
    with beam.Pipeline() as pipeline:
        shards = (pipeline | 'Instances' >> beam.Create(keyed_instances)
                  | WriteShards(str(output_dir), num_shards, seed, specs, **write_options))
        counts = pipeline | 'Counts' >> beam.Create([('instances', len(keyed_instances))])
        samples = pipeline | 'NoRejects' >> beam.Create([])
        vocab = pipeline | 'Vocab' >> beam.Create([(vocab_info, vocab_bytes)])
        _ = shards | CommitDataset(str(output_dir), options, vocab, masking, layouts, counts, samples)
    return json.loads((output_dir / 'manifest.json').read_text(encoding='utf-8'))


def build_dynamic_dataset(tmp_dir, static_dir, static_manifest, vocab_bytes, id_to_token, **kwargs):
    """A dynamic-masking dataset holding the static dataset's instances, unmasked and grouped."""
    rng = random.Random(7)
    static = dataset_instances(static_dir, static_manifest, 'arrow')
    # Every tenth instance has one-token words only: no chinese_ref, an empty variable-length feature.
    keyed = [(InstanceKey('news:%d' % index, 0, 0),
              as_dynamic(instance, id_to_token, rng, 1 if index % 10 == 0 else 3))
             for index, instance in enumerate(static)]
    output_dir = tmp_dir / 'dynamic'
    return output_dir, write_dataset(output_dir, keyed, 'dynamic', vocab_bytes, **kwargs), keyed


def inspect_a_damaged_copy(dataset_dir, tmp_path, victim: str):
    """`python -m beam_jobs.inspect` on a copy of the dataset whose file ``victim`` has one byte
    flipped in its middle: the CompletedProcess (text)."""
    copy = tmp_path / 'copy'
    shutil.copytree(dataset_dir, copy)
    data = bytearray((copy / victim).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / victim).write_bytes(bytes(data))
    return subprocess.run([sys.executable, '-m', 'beam_jobs.inspect', str(copy)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
