"""Throughput and memory of the pipeline, per stage and end to end, against the floor.

    python -m benchmarks.build_corpus --size_mb 10 30 100
    python -m benchmarks.throughput --vocab_file VOCAB --corpus bench_corpus/corpus_10mb.txt
    python -m benchmarks.throughput --vocab_file VOCAB --growth bench_corpus/corpus_{10,30,100}mb.txt \
        --growth_workers 1 2 [--growth_repeats 2] [--growth_dupe 10]

The floor is the same text through sentence splitting, segmentation and WordPiece alone, in one
plain Python loop: the work no pipeline can avoid. It uses the job's own segmenter and WordPiece
(for jieba wwm/native/_jieba.c, for WordPiece wwm/native/_wordpiece.c); each job is also compared with the
reference floor, the same loop with jieba itself and `tokenizers` alone (the floor of rounds A-O,
the tools a user would glue together). End-to-end figures are characters per second per
core (characters / wall time / workers) of the job on the DirectRunner in multi-processing mode,
and the peak resident memory of its largest process. Each job is compared with the mean of the
floor measured right before and right after it, because this machine's speed drifts within minutes.
Growth runs also give the marginal throughput between consecutive corpora, from which the fixed
start-up cancels out. Prints Markdown tables; nothing here is a test. For --segmenter ltp_legacy
without --segmenter_model, a model is trained first on 80% of the SIGHAN PKU gold file in
../shared/data.
"""
import argparse
import functools
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

from benchmarks.build_corpus import DEFAULT_DATA
from benchmarks.process_monitor import run_measured
from wwm.tokens import vocab as vocab_lib
from wwm.hashing import seeded_rng
from wwm.instances.pairs import create_pair_instances
from wwm.instances.masking import MaskingConfig, mask_instance
from wwm.segmenters import make_segmenter
from wwm.text.sentences import split_sentences
from wwm.text.cleaning import clean_text
from wwm.records.tfrecord import encode_instance, frame_record
from wwm.tokens.wordpiece import WordPieceEncoder, align_encoding


def read_documents(path: pathlib.Path, max_chars: int = 0) -> list:
    documents, chars = [], 0
    for block in path.read_text(encoding='utf-8').split('\n\n'):
        if block.strip():
            documents.append(block)
            chars += len(block)
            if max_chars and chars >= max_chars:
                break
    return documents


def legacy_model(data_dir: pathlib.Path, folder: str) -> str:
    from wwm.segmenters.segmented_text import read_segmented
    from wwm.segmenters.legacy_training import train_cws_model
    gold = read_segmented(str(data_dir / 'sighan2005' / 'pku_test_gold.utf8'))
    path = str(pathlib.Path(folder) / 'cws_model.bin')
    train_cws_model(gold[:int(len(gold) * 0.8)], path)
    return path


def floor_throughput(documents: list, segmenter, tokenizer) -> float:
    """Sentences, segmentation and WordPiece only, plain loop: characters per second, one core.

    ``tokenizer`` is the job's WordPieceEncoder, or its `tokenizers` Tokenizer (the reference).
    """
    chars = sum(map(len, documents))
    encode = (tokenizer.encode_batch if isinstance(tokenizer, WordPieceEncoder) else
              functools.partial(tokenizer.encode_batch, add_special_tokens=False))
    start = time.perf_counter()
    for document in documents:
        sentences = split_sentences(document)
        segmenter.segment(sentences)
        encode(sentences)  # as the job does, one thread
    return chars / (time.perf_counter() - start)


def reference_segmenter(name: str, segmenter):
    """The segmenter as its library ships it: jieba itself for jieba (the job's is in C)."""
    if name != 'jieba':
        return segmenter
    from wwm.segmenters import Segmenter
    from wwm.segmenters.jieba_backend import JiebaBackend
    return Segmenter(JiebaBackend(in_c=False))


def floors(documents: list, segmenters: tuple, encoder: WordPieceEncoder) -> tuple:
    """(floor, reference floor), back to back: with the job's segmenter and WordPiece, and with
    the reference segmenter and `tokenizers` alone. ``segmenters``: (the job's, the reference)."""
    return (floor_throughput(documents, segmenters[0], encoder),
            floor_throughput(documents, segmenters[1], encoder.tokenizer))


def _timed(results, label, chars, function, items):
    start = time.perf_counter()
    output = [function(item) for item in items]
    results.append((label, chars / (time.perf_counter() - start)))
    return output


def stage_throughput(documents, segmenter, tokenizer, vocab, dupe_factor, max_seq_length) -> list:
    """(stage, characters per second) of each stage's library code on one core, no Beam."""
    import opencc
    chars = sum(map(len, documents))
    results = []
    cleaned = _timed(results, 'clean', chars, clean_text, documents)
    converted = _timed(results, 'OpenCC t2s', chars, opencc.OpenCC('t2s').convert, cleaned)
    sentences = _timed(results, 'split sentences', chars, split_sentences, converted)
    words = _timed(results, 'segment', chars, segmenter.segment, sentences)
    aligned = _timed(results, 'WordPiece + alignment', chars,
                     lambda pair: [align_encoding(e, s, w) for s, w, e in zip(
                         *pair, tokenizer.encode_batch(pair[0]))],
                     list(zip(sentences, words)))
    docs = [d for d in ([(a.token_ids, a.group_ids) for a in doc if a.token_ids] for doc in aligned) if d]
    config = MaskingConfig(max_predictions=max(20, round(max_seq_length * 0.15)))
    replacement = vocab_lib.replacement_ids(vocab)

    def instances_masks_records(index):
        records = []
        for copy in range(dupe_factor):
            rng = seeded_rng(index, copy)
            for instance in create_pair_instances(docs, index, max_seq_length, 0.1, rng,
                                                  vocab['[CLS]'], vocab['[SEP]']):
                masked, _ = mask_instance(instance, config, rng, vocab['[MASK]'], replacement)
                records.append(frame_record(encode_instance(masked, 'static', max_seq_length,
                                                            config.max_predictions)))
        return records
    _timed(results, 'instances + masks + records (dupe %d, seq %d)' % (dupe_factor, max_seq_length),
           chars, instances_masks_records, range(len(docs)))
    return results


def pipeline_run(corpus: pathlib.Path, vocab_file: str, workers: int, extra: list) -> dict:
    """The job end to end; wall time and per-process peak RSS."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, '-m', 'beam_jobs.build_pretraining_data', '--input', str(corpus),
                   '--output_dir', out + '/ds', '--vocab_file', vocab_file, '--num_shards', '8',
                   '--direct_running_mode=multi_processing', '--direct_num_workers=%d' % workers] + extra
        # stderr to a file, not a pipe nobody reads while the job runs (a full pipe stalls it).
        with open(out + '/stderr.txt', 'w+') as log:
            result = run_measured(command, stdout=subprocess.DEVNULL, stderr=log)
            if result['returncode'] != 0:
                log.seek(0)
                raise RuntimeError('job failed: %s\n%s' % (' '.join(command), log.read()[-4000:]))
        # One manifest per dataset: ds/ with one --max_seq_length, ds/seq<N>/ with several.
        result['instances'] = sum(json.loads(manifest.read_text())['counts']['instances']
                                  for manifest in pathlib.Path(out, 'ds').glob('**/manifest.json'))
    return result


def seq_arguments(seq_lengths: str) -> list:
    """'128' -> one dataset; '128+512' -> both lengths in one run (the upstream stages run once)."""
    return [arg for length in seq_lengths.split('+') for arg in ('--max_seq_length', length)]


def print_ratios(walls: dict, workers: list, dupe_factors: list, seq_lengths: list) -> None:
    """The issue's ratios, from the runs of this invocation: dupe 10 against dupe 1 at the same
    workers and length, and the most workers against one at the same dupe and length."""
    print()
    for (count, dupe, seq), wall in sorted(walls.items()):
        if dupe != dupe_factors[0] and (count, dupe_factors[0], seq) in walls:
            print('dupe %d / dupe %d, %d worker(s), seq %s: %.2fx the time' % (
                dupe, dupe_factors[0], count, seq, wall / walls[count, dupe_factors[0], seq]))
        if count != workers[0] and (workers[0], dupe, seq) in walls:
            print('%d workers / %d, dupe %d, seq %s: %.2fx the speed' % (
                count, workers[0], dupe, seq, walls[workers[0], dupe, seq] / wall))


def _row(cells) -> str:
    return '| ' + ' | '.join(str(c) for c in cells) + ' |'


def _resource_cells(result: dict) -> list:
    """Worker and runner peak RSS (MB) and CPU seconds of one job, as table cells."""
    return ['%.0f' % (result['max_worker_rss'] / 1e6), '%.0f' % (result['launcher_rss'] / 1e6),
            '%.1f' % result['worker_cpu_s'], '%.1f' % result['launcher_cpu_s']]


def _versus(per_core: float, before: tuple, after: tuple) -> list:
    """Ratio cells of a throughput to the mean of the floors before and after it, both kinds."""
    return ['%.2f' % (per_core / ((b + a) / 2)) for b, a in zip(before, after)]


def matrix(args, job_args: list, segmenters, tokenizer, documents: list, floor: tuple) -> None:
    """The job on --corpus for every worker count, dupe factor and length, each run compared with
    the floors measured right before and right after it (the machine drifts, see ``growth``)."""
    chars = len(args.corpus.read_text(encoding='utf-8'))
    print('\nend to end, %s (%.2f M chars), %s:\n' % (args.corpus.name, chars / 1e6, args.segmenter))
    print(_row(['workers', 'dupe', 'seq', 'wall s', 'floor before / after', 'chars/s/core', 'vs floor',
                'vs reference floor', 'instances', 'worker peak RSS MB', 'runner peak RSS MB',
                'worker CPU s', 'runner CPU s', 'CPU us/char']))
    print(_row(['---:'] * 14))
    walls = {}
    floor_after = floor
    for workers in args.workers:
        for dupe in args.dupe_factors:
            for seq in args.seq_lengths:
                floor_before = floor_after
                result = pipeline_run(args.corpus, args.vocab_file, workers,
                                      job_args + ['--dupe_factor', str(dupe)] + seq_arguments(seq))
                floor_after = floors(documents, segmenters, tokenizer)  # next job's 'before'
                walls[workers, dupe, seq] = result['wall_s']
                per_core = chars / result['wall_s'] / workers
                cpu_s = result['worker_cpu_s'] + result['launcher_cpu_s']
                print(_row([workers, dupe, seq, '%.1f' % result['wall_s'],
                            '%.0f / %.0f' % (floor_before[0], floor_after[0]), '%.0f' % per_core]
                           + _versus(per_core, floor_before, floor_after) + [result['instances']]
                           + _resource_cells(result) + ['%.1f' % (cpu_s / chars * 1e6)]), flush=True)
    print_ratios(walls, args.workers, args.dupe_factors, args.seq_lengths)


def growth(args, job_args: list, segmenters, tokenizer) -> None:
    """The job on corpora of growing size, seq 128, at --growth_dupe (1 unless said), for each
    worker count.

    The worker counts of one corpus run back to back (1, 2, 1, 2... with --growth_repeats), so a
    ratio of two worker counts is taken minutes apart, not a whole growth run apart: this machine's
    speed drifts by tens of percent within minutes. For the same reason the floor is measured right
    before and right after every run, and each run is compared with the mean of the two.

    Besides each run's own throughput, prints the marginal one: the characters added from one corpus
    to the next over the wall time they added, per core. The fixed start-up of a run (Beam's imports
    and pipeline translation, worker processes, dictionaries: seconds that do not grow with the
    corpus) cancels out of it, so it is the throughput a long run approaches (from each worker
    count's first run of each corpus).
    """
    documents = read_documents(args.growth[0], args.stage_chars)
    results, walls = {}, {}
    floor_after = floors(documents, segmenters, tokenizer)
    for corpus in args.growth:
        chars = len(corpus.read_text(encoding='utf-8'))
        for repeat in range(args.growth_repeats):
            for workers in args.growth_workers:
                floor_before = floor_after
                result = pipeline_run(corpus, args.vocab_file, workers,
                                      job_args + ['--dupe_factor', str(args.growth_dupe)])
                floor_after = floors(documents, segmenters, tokenizer)
                walls.setdefault((workers, corpus), []).append(result['wall_s'])
                results.setdefault((workers, corpus), (chars, result, floor_before, floor_after))
                print('  ran %s with %d worker(s): %.1f s' % (corpus.name, workers, result['wall_s']),
                      flush=True)
    print('\ngrowth (dupe %d, seq 128, %s):\n' % (args.growth_dupe, args.segmenter))
    print(_row(['workers', 'corpus', 'M chars', 'wall s', 'floor before / after', 'chars/s/core',
                'vs floor', 'vs reference floor', 'marginal chars/s/core', 'marginal vs floor',
                'worker peak RSS MB', 'runner peak RSS MB', 'worker CPU s', 'runner CPU s']))
    print(_row(['---:', '---'] + ['---:'] * 12))
    for workers in args.growth_workers:
        previous = None
        for corpus in args.growth:
            chars, result, floor_before, floor_after = results[workers, corpus]
            floor = (floor_before[0] + floor_after[0]) / 2
            per_core = chars / result['wall_s'] / workers
            marginal = ['', '']
            if previous and result['wall_s'] > previous[1]:
                rate = (chars - previous[0]) / (result['wall_s'] - previous[1]) / workers
                marginal = ['%.0f' % rate, '%.2f' % (rate / ((floor + previous[2]) / 2))]
            print(_row([workers, corpus.name, '%.1f' % (chars / 1e6), '%.1f' % result['wall_s'],
                        '%.0f / %.0f' % (floor_before[0], floor_after[0]), '%.0f' % per_core]
                       + _versus(per_core, floor_before, floor_after) + marginal + _resource_cells(result)))
            previous = chars, result['wall_s'], floor
    counts = sorted(args.growth_workers)
    if len(counts) > 1:
        print()
        for corpus in args.growth:
            pairs = [one / many for one, many in zip(walls[counts[0], corpus], walls[counts[-1], corpus])]
            print('%s: %d workers / %d: %s the speed (back-to-back pairs; median %.2fx)' % (
                corpus.name, counts[-1], counts[0], ', '.join('%.2fx' % r for r in pairs),
                statistics.median(pairs)))


def main():
    os.environ.setdefault('TOKENIZERS_PARALLELISM', 'false')  # one core, like each job worker
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--vocab_file', required=True)
    parser.add_argument('--corpus', type=pathlib.Path, help='corpus for the stage and matrix runs')
    parser.add_argument('--growth', type=pathlib.Path, nargs='*', default=[],
                        help='corpora of growing size, run at seq 128 with --growth_workers')
    parser.add_argument('--growth_dupe', type=int, default=1, help='dupe_factor of the growth runs')
    parser.add_argument('--growth_repeats', type=int, default=1,
                        help='runs of each (corpus, worker count), worker counts alternating')
    parser.add_argument('--segmenter', default='jieba', choices=('jieba', 'ltp_legacy'))
    parser.add_argument('--segmenter_model', default=None)
    parser.add_argument('--data_dir', type=pathlib.Path, default=DEFAULT_DATA)
    parser.add_argument('--stage_chars', type=int, default=1_000_000)
    parser.add_argument('--workers', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--growth_workers', type=int, nargs='+', default=[2])
    parser.add_argument('--dupe_factors', type=int, nargs='+', default=[1, 10])
    parser.add_argument('--seq_lengths', nargs='+', default=['128', '512'],
                        help="each a run: '128', or '128+512' for both datasets in one run")
    args = parser.parse_args()

    vocab = vocab_lib.parse_vocab(vocab_lib.read_vocab_bytes(args.vocab_file))
    tokenizer = WordPieceEncoder(vocab, True)
    with tempfile.TemporaryDirectory() as folder:
        model = args.segmenter_model
        if args.segmenter == 'ltp_legacy' and not model:
            model = legacy_model(args.data_dir, folder)
        segmenter = make_segmenter(args.segmenter, model=model)
        segmenters = (segmenter, reference_segmenter(args.segmenter, segmenter))
        job_args = ['--segmenter', args.segmenter] + (['--segmenter_model', model] if model else [])
        if args.corpus:
            documents = read_documents(args.corpus, args.stage_chars)
            floor = floors(documents, segmenters, tokenizer)
            print('\nfloor (%s): %.0f chars/s on one core; reference floor (the segmenter as its '
                  'library ships it, `tokenizers` alone for WordPiece): %.0f\n' % ((args.segmenter,) + floor))
            print(_row(['stage (%s, one core, no Beam)' % args.segmenter, 'chars/s']))
            print(_row(['---', '---:']))
            stage_lengths = sorted({int(length) for seq in args.seq_lengths for length in seq.split('+')})
            for dupe in args.dupe_factors:
                for seq in stage_lengths:
                    for label, rate in stage_throughput(documents, segmenter, tokenizer, vocab, dupe, seq):
                        if dupe == args.dupe_factors[0] and seq == stage_lengths[0] or 'instances' in label:
                            print(_row([label, '%.0f' % rate]))
            matrix(args, job_args, segmenters, tokenizer, documents, floor)
        if args.growth:
            growth(args, job_args, segmenters, tokenizer)


if __name__ == '__main__':
    main()
