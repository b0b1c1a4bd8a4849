"""Neural LTP word segmentation speed, on the GPU when torch sees one, by model size and batch size.

    python -m benchmarks.neural_ltp --vocab_file VOCAB --corpus bench_corpus/corpus_1mb.txt \
        [--sizes small base] [--batch_sizes 32 128 512] [--max_chars 300000]

No trained LTP model can be downloaded here, so each size is a random-weight model of LTP's own
architecture (ELECTRA-small for LTP Small, ELECTRA-base for LTP Base): its speed is that of the real
model, its words are not. The sentences are the corpus's, split as the job splits them, and go
through ``make_segmenter('ltp')`` as in the job (one document's sentences a call, sorted by length
into batches). Figures are characters per second of wall time for one process, and the CPU
seconds that process spent per wall second (on a GPU the CPU side, LTP's tokenizer and decoding,
can be the limit). Prints a Markdown table; nothing here is a test.
"""
import argparse
import os
import pathlib
import tempfile
import time

from benchmarks.throughput import read_documents
from tests.ltp_random_model import ELECTRA_BASE, ELECTRA_SMALL, SPECIAL_TOKENS, write_random_ltp_model
from wwm.segmenters import make_segmenter
from wwm.text.sentences import split_sentences
from wwm.tokens.vocab import parse_vocab, read_vocab_bytes

SIZES = {'small': ELECTRA_SMALL, 'base': ELECTRA_BASE}


def segment_documents(segmenter, documents: list) -> tuple:
    """(wall seconds, CPU seconds) to segment every document's sentences, a document a call."""
    import torch
    wall, cpu = time.perf_counter(), time.process_time()
    for sentences in documents:
        segmenter.segment(sentences)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - wall, time.process_time() - cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--vocab_file', required=True)
    parser.add_argument('--corpus', type=pathlib.Path, required=True)
    parser.add_argument('--sizes', nargs='+', choices=sorted(SIZES), default=['small', 'base'])
    parser.add_argument('--batch_sizes', nargs='+', type=int, default=[32, 128, 512])
    parser.add_argument('--max_chars', type=int, default=300_000)
    parser.add_argument('--threads', type=int, default=1, help='torch CPU threads')
    args = parser.parse_args()

    import torch
    documents = [split_sentences(text) for text in read_documents(args.corpus, args.max_chars)]
    chars = sum(len(sentence) for sentences in documents for sentence in sentences)
    device = 'GPU %s' % torch.cuda.get_device_name(0) if torch.cuda.is_available() else (
        'CPU, %d thread(s)' % args.threads)
    print('%s: %d documents, %d sentences, %d chars; torch %s on %s, %d CPU cores' % (
        args.corpus.name, len(documents), sum(map(len, documents)), chars, torch.__version__, device,
        os.cpu_count()))
    tokens = [token for token in parse_vocab(read_vocab_bytes(args.vocab_file))
              if token and token not in SPECIAL_TOKENS]
    print('\n| model | batch | chars/s (wall) | CPU s per wall s |')
    print('|---|---:|---:|---:|')
    with tempfile.TemporaryDirectory(prefix='neural-ltp-bench-') as folder:
        for size in args.sizes:
            model = write_random_ltp_model(os.path.join(folder, size), tokens, SIZES[size])
            for batch_size in args.batch_sizes:
                segmenter = make_segmenter('ltp', model=model, batch_size=batch_size, threads=args.threads)
                segment_documents(segmenter, documents[:5])  # load, CUDA start-up, kernel choice
                wall, cpu = segment_documents(segmenter, documents)
                print('| %s (random weights) | %d | %.0f | %.2f |'
                      % (size, batch_size, chars / wall, cpu / wall), flush=True)


if __name__ == '__main__':
    main()
