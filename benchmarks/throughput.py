"""Throughput and memory of the pipeline, per stage and end to end, against the floor.

    python -m benchmarks.build_corpus --size_mb 10 30 100
    python -m benchmarks.throughput --corpus bench_corpus/corpus_10mb.txt --vocab_file VOCAB

The floor is the same text through segmentation + WordPiece alone, in one plain Python loop: the
work no pipeline can avoid. End-to-end figures are characters per second per core (wall time x
workers). Prints one table; nothing here is a test.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import time

from benchmarks.process_monitor import run_measured
from wwm import vocab as vocab_lib
from wwm.hashing import seeded_rng
from wwm.instances import create_pair_instances
from wwm.masking import mask_instance
from wwm.segmenters import make_segmenter
from wwm.sentences import split_sentences
from wwm.text_cleaning import clean_text
from wwm.tfrecord import encode_bert_example, frame_record
from wwm.wordpiece import align_sentence, build_tokenizer


def read_documents(path: pathlib.Path, max_chars: int) -> list:
    documents, chars = [], 0
    for block in path.read_text(encoding='utf-8').split('\n\n'):
        if block.strip():
            documents.append(block)
            chars += len(block)
            if chars >= max_chars:
                break
    return documents


def _timed(label, function, items, chars, results):
    start = time.perf_counter()
    output = [function(item) for item in items]
    seconds = time.perf_counter() - start
    results.append((label, chars / seconds))
    return output


def stage_throughput(documents: list, vocab: dict, segmenter_name: str, dupe_factor: int,
                     max_seq_length: int) -> list:
    """Characters per second of each stage's library code, one core, no Beam."""
    import opencc
    chars = sum(map(len, documents))
    results = []
    converter = opencc.OpenCC('t2s')
    segmenter = make_segmenter(segmenter_name)
    tokenizer = build_tokenizer(vocab, True)
    cleaned = _timed('clean', clean_text, documents, chars, results)
    converted = _timed('opencc t2s', converter.convert, cleaned, chars, results)
    sentences = _timed('split sentences', split_sentences, converted, chars, results)
    words = _timed('segment (%s)' % segmenter_name, segmenter.segment, sentences, chars, results)

    def tokenize(pair):
        return [align_sentence(tokenizer, s, w) for s, w in zip(*pair)]
    aligned = _timed('wordpiece + alignment', tokenize, list(zip(sentences, words)), chars, results)
    docs = [[(a.token_ids, a.group_ids) for a in doc if a.token_ids] for doc in aligned]
    docs = [d for d in docs if d]
    replacement = vocab_lib.replacement_ids(vocab)

    def instances_and_masks(index):
        out = []
        for copy in range(dupe_factor):
            rng = seeded_rng(index, copy)
            for instance in create_pair_instances(docs, index, max_seq_length, 0.1, rng, 101, 102):
                masked = mask_instance(instance.token_ids, instance.segment_ids, instance.group_ids,
                                       instance.is_random_next, 0.15, 20, True, 103, replacement, rng)
                out.append(frame_record(encode_bert_example(masked, max_seq_length, 20)))
        return out
    _timed('instances+mask+encode (dupe %d, seq %d)' % (dupe_factor, max_seq_length),
           instances_and_masks, range(len(docs)), chars, results)
    return results


def floor_throughput(documents: list, vocab: dict, segmenter_name: str) -> float:
    """Segmentation + WordPiece only, plain loop: characters per second on one core."""
    segmenter = make_segmenter(segmenter_name)
    tokenizer = build_tokenizer(vocab, True)
    chars = sum(map(len, documents))
    start = time.perf_counter()
    for document in documents:
        for line in document.split('\n'):
            words = segmenter.segment([line])[0]
            tokenizer.encode(line, add_special_tokens=False)
            del words
    return chars / (time.perf_counter() - start)


def pipeline_run(corpus: pathlib.Path, vocab_file: str, workers: int, extra: list) -> dict:
    """The job end to end on the DirectRunner; wall time and per-process peak RSS."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, '-m', 'beam_jobs.build_pretraining_data', '--input', str(corpus),
                   '--output_dir', out + '/ds', '--vocab_file', vocab_file, '--num_shards', '8',
                   '--direct_running_mode=multi_processing', '--direct_num_workers=%d' % workers] + extra
        result = run_measured(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if result['returncode'] != 0:
            raise RuntimeError('job failed: %s' % ' '.join(command))
        manifest = json.loads(pathlib.Path(out, 'ds', 'manifest.json').read_text())
        result['instances'] = manifest['counts']['instances']
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--corpus', required=True, type=pathlib.Path)
    parser.add_argument('--vocab_file', required=True)
    parser.add_argument('--segmenter', default='jieba')
    parser.add_argument('--stage_chars', type=int, default=1_000_000,
                        help='characters used for the per-stage and floor measurements')
    parser.add_argument('--workers', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--dupe_factors', type=int, nargs='+', default=[1, 10])
    parser.add_argument('--skip_pipeline', action='store_true')
    args = parser.parse_args()

    vocab = vocab_lib.parse_vocab(vocab_lib.read_vocab_bytes(args.vocab_file))
    documents = read_documents(args.corpus, args.stage_chars)
    floor = floor_throughput(documents, vocab, args.segmenter)
    print('floor (segmentation + WordPiece, plain loop, 1 core): %.0f chars/s' % floor)
    for dupe in args.dupe_factors:
        for seq in (128, 512):
            for label, rate in stage_throughput(documents, vocab, args.segmenter, dupe, seq):
                print('  stage %-42s %12.0f chars/s' % (label, rate))
    if args.skip_pipeline:
        return
    corpus_chars = len(args.corpus.read_text(encoding='utf-8'))
    print('\nend to end on %s (%.2f M chars), DirectRunner multi_processing:' % (args.corpus, corpus_chars / 1e6))
    print('%-8s %-6s %-5s %10s %16s %8s %14s' % ('workers', 'dupe', 'seq', 'wall s', 'chars/s/core',
                                                 '÷floor', 'peak RSS MB'))
    for workers in args.workers:
        for dupe in args.dupe_factors:
            for seq in (128, 512):
                extra = ['--dupe_factor', str(dupe), '--max_seq_length', str(seq),
                         '--segmenter', args.segmenter]
                result = pipeline_run(args.corpus, args.vocab_file, workers, extra)
                per_core = corpus_chars / result['wall_s'] / workers
                print('%-8d %-6d %-5d %10.1f %16.0f %8.2f %14.0f' % (
                    workers, dupe, seq, result['wall_s'], per_core, per_core / floor,
                    result['max_process_rss'] / 1e6))


if __name__ == '__main__':
    main()
