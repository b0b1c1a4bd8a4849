"""Verify a dataset against its manifest and show what it holds.

    python -m beam_jobs.inspect OUTPUT_DIR [--examples N]

Checks every shard's record count and sha256, prints the manifest's counts, and decodes N examples
to text with the masked positions visible.
"""
import argparse
import hashlib
import io
import json
import sys

from apache_beam.io.filesystems import FileSystems

from schemas.manifest import MANIFEST_NAME
from transforms.commit_dataset import VOCAB_NAME
from wwm import tfrecord
from wwm.vocab import parse_vocab


def _read(path: str) -> bytes:
    with FileSystems.open(path) as handle:
        return handle.read()


def verify(output_dir: str, manifest: dict) -> list:
    """Problems found (empty when every shard matches the manifest)."""
    problems = []
    for shard in manifest['shards']:
        path = FileSystems.join(output_dir, shard['file_name'])
        if not FileSystems.exists(path):
            problems.append('%s is missing' % shard['file_name'])
            continue
        data = _read(path)
        if hashlib.sha256(data).hexdigest() != shard['sha256']:
            problems.append('%s: sha256 differs from the manifest' % shard['file_name'])
        try:
            records = sum(1 for _ in tfrecord.read_records(io.BytesIO(data)))
        except ValueError as error:
            problems.append('%s: %s' % (shard['file_name'], error))
            continue
        if records != shard['records']:
            problems.append('%s: %d records, manifest says %d' % (shard['file_name'], records,
                                                                 shard['records']))
    return problems


def decode(example: dict, id_to_token: dict) -> str:
    """Tokens of an example up to its padding, masked positions shown as they were written."""
    length = sum(example['input_mask'])
    tokens = [id_to_token.get(i, '[%d]' % i) for i in example['input_ids'][:length]]
    return ' '.join(tokens)


def answers(example: dict, id_to_token: dict) -> str:
    weights = example['masked_lm_weights']
    pairs = ['%d:%s' % (pos, id_to_token.get(tid, tid))
             for pos, tid, w in zip(example['masked_lm_positions'], example['masked_lm_ids'], weights) if w]
    return ' '.join(pairs)


def first_examples(output_dir: str, manifest: dict, count: int) -> list:
    examples = []
    for shard in manifest['shards']:
        if len(examples) >= count:
            break
        with FileSystems.open(FileSystems.join(output_dir, shard['file_name'])) as handle:
            for record in tfrecord.read_records(handle):
                examples.append(tfrecord.decode_example(record))
                if len(examples) >= count:
                    break
    return examples


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog='inspect', description=__doc__.split('\n')[0])
    parser.add_argument('output_dir')
    parser.add_argument('--examples', type=int, default=2, help='how many examples to decode')
    args = parser.parse_args(argv)
    manifest_path = FileSystems.join(args.output_dir, MANIFEST_NAME)
    if not FileSystems.exists(manifest_path):
        print('inspect: error: %s has no %s (not a finished dataset)' % (args.output_dir, MANIFEST_NAME),
              file=sys.stderr)
        return 2
    manifest = json.loads(_read(manifest_path))
    problems = verify(args.output_dir, manifest)
    for problem in problems:
        print('inspect: %s' % problem, file=sys.stderr)
    counts = manifest['counts']
    print('counts:', json.dumps(counts, ensure_ascii=False))
    print('dropped:', json.dumps(manifest['dropped'], ensure_ascii=False))
    if counts.get('instances'):
        print('average tokens per instance %.1f, masked share %.3f, random next %.3f' % (
            counts['instance_tokens'] / counts['instances'],
            counts['masked_tokens'] / counts['instance_tokens'],
            counts['random_next_instances'] / counts['instances']))
    print('shards: %d verified, %d problem(s)' % (len(manifest['shards']), len(problems)))
    vocab = parse_vocab(_read(FileSystems.join(args.output_dir, VOCAB_NAME)))
    id_to_token = {i: token for token, i in vocab.items()}
    for number, example in enumerate(first_examples(args.output_dir, manifest, args.examples), 1):
        print('\nexample %d (next sentence random: %s)' % (number, bool(example['next_sentence_labels'][0])))
        print('  tokens: ', decode(example, id_to_token))
        print('  masked: ', answers(example, id_to_token))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
