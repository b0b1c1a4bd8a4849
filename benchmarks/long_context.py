"""Long-context packing: throughput and peak memory at 8,192 tokens against 512, same corpus, same
tokenizer, same run otherwise (ModernBERT's recipe: packed sentences across documents, dynamic
masking, MDS and Parquet shards).

    python -m benchmarks.build_corpus --size_mb 30
    python -m benchmarks.long_context --corpus bench_corpus/corpus_30mb.txt [--repeats 2]

A byte-level BPE is first trained on a sample of the corpus (wwm.tokens.tokenizer_training, as
--train_tokenizer bpe trains it), so both lengths tokenize with the same tokenizer.json and the
training time is not in either figure. The lengths alternate (512, 8192, 512, 8192, ...), since
this machine's speed drifts within minutes; the table gives each run and the ratio of the means.
Peak RSS is per process (the largest worker, the launcher). Prints Markdown; nothing here is a test.
"""
import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import tempfile

from benchmarks.process_monitor import run_measured
from wwm.tokens import tokenizer_training

LENGTHS = (512, 8192)


def train_bpe(corpus: pathlib.Path, vocab_size: int, sample_chars: int, path: pathlib.Path) -> None:
    """The BPE tokenizer.json the job would train on this corpus (its seeded sample), at ``path``."""
    texts = [text for text in corpus.read_text(encoding='utf-8').split('\n\n') if text.strip()]
    sample = tokenizer_training.corpus_sample(texts, 12345, sample_chars)
    path.write_bytes(tokenizer_training.train_tokenizer(sample, 'bpe', vocab_size, False))


def run(corpus: pathlib.Path, tokenizer: pathlib.Path, length: int, workers: int) -> dict:
    """One job at ``length``: wall time, peak RSS and what it made."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, '-m', 'beam_jobs.build_pretraining_data', '--input', str(corpus),
                   '--output_dir', out + '/ds', '--tokenizer', str(tokenizer), '--num_shards', '8',
                   '--max_seq_length', str(length), '--sentence_pair', 'none', '--cross_document',
                   '--short_seq_prob', '0', '--masking', 'dynamic', '--dupe_factor', '1',
                   '--output_format', 'parquet,mds', '--progress_seconds', '0',
                   '--direct_running_mode=multi_processing', '--direct_num_workers=%d' % workers]
        with open(out + '/stderr.txt', 'w+') as log:  # a file: a full pipe would stall the job
            result = run_measured(command, stdout=subprocess.DEVNULL, stderr=log)
            if result['returncode'] != 0:
                log.seek(0)
                raise RuntimeError('job failed: %s\n%s' % (' '.join(command), log.read()[-4000:]))
        manifest = json.loads(pathlib.Path(out, 'ds', 'manifest.json').read_text())
        counts = manifest['counts']
        result.update(instances=counts['instances'], tokens=counts['instance_tokens'],
                      chars=counts['characters_read'],
                      shard_bytes={name: sum(s['num_bytes'] for s in layout['shards'])
                                   for name, layout in manifest['formats'].items()})
    return result


def _row(cells) -> str:
    return '| ' + ' | '.join(str(c) for c in cells) + ' |'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--corpus', type=pathlib.Path, required=True)
    parser.add_argument('--repeats', type=int, default=1)
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--vocab_size', type=int, default=32768)
    parser.add_argument('--sample_chars', type=int, default=tokenizer_training.DEFAULT_SAMPLE_CHARS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tokenizer = pathlib.Path(folder, 'tokenizer.json')
        train_bpe(args.corpus, args.vocab_size, args.sample_chars, tokenizer)
        print('%s, BPE %d, %d workers (DirectRunner, multi_processing)\n'
              % (args.corpus.name, args.vocab_size, args.workers))
        print(_row(['max_seq_length', 'wall s', 'chars/s/core', 'instances', 'tokens per instance',
                    'worker peak RSS MB', 'launcher peak RSS MB', 'parquet MB', 'mds MB']))
        print(_row(['---:'] * 9))
        walls = {length: [] for length in LENGTHS}
        for _ in range(args.repeats):
            for length in LENGTHS:
                result = run(args.corpus, tokenizer, length, args.workers)
                walls[length].append(result['wall_s'])
                print(_row([length, '%.1f' % result['wall_s'],
                            '%.0f' % (result['chars'] / result['wall_s'] / args.workers),
                            result['instances'], '%.0f' % (result['tokens'] / result['instances']),
                            '%.0f' % (result['max_worker_rss'] / 1e6), '%.0f' % (result['launcher_rss'] / 1e6),
                            '%.1f' % (result['shard_bytes']['parquet'] / 1e6),
                            '%.1f' % (result['shard_bytes']['mds'] / 1e6)]), flush=True)
    print('\nwall time 8192 / 512: %.2fx (means of %d runs each)'
          % (statistics.mean(walls[8192]) / statistics.mean(walls[512]), args.repeats))


if __name__ == '__main__':
    main()
