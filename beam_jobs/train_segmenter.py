"""Train an LTP legacy word segmentation model and score it on a gold file.

    python -m beam_jobs.train_segmenter --train_file pku_training.utf8 \
        --eval_file pku_test_gold.utf8 --output_model cws_model.bin

Both files hold segmented text: one sentence a line, words separated by spaces (SIGHAN bakeoff
files as they come: CRLF, BOM and double spaces are fine). The model is what
``--segmenter ltp_legacy --segmenter_model`` reads. Precision, recall and F1 are the SIGHAN word
scores on the eval file, which training never sees.
"""
import argparse
import importlib.util
import os
import sys
import time

from apache_beam.io.filesystems import FileSystems

from beam_jobs.failures import OneLineErrorParser, UsageError
from wwm.segmenters.segmentation_score import score_corpus
from wwm.segmenters.segmented_text import read_segmented
from wwm.segmenters import make_segmenter
from wwm.segmenters.legacy_training import DEV_FRACTION, train_cws_model

PROG = 'train_segmenter'


def _parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(prog=PROG, description=__doc__.split('\n\n')[0])
    parser.add_argument('--train_file', required=True, help='Segmented training text.')
    parser.add_argument('--eval_file', required=True, help='Segmented gold text to score the model on.')
    parser.add_argument('--output_model', required=True, help='Where the model file goes (local path).')
    parser.add_argument('--epochs', type=int, default=10,
                        help='Passes over the data; the best on held-out training sentences is kept.')
    return parser


def _sentences(option: str, path: str) -> list:
    if not FileSystems.exists(path):
        raise UsageError('%s %s does not exist' % (option, path))
    if os.path.isdir(path):
        raise UsageError('%s %s is a folder, not a file' % (option, path))
    try:
        sentences = read_segmented(path)
    except UnicodeDecodeError as error:
        raise UsageError('%s %s is not UTF-8 (%s)' % (option, path, error.reason)) from None
    if not sentences:
        raise UsageError('%s %s holds no segmented sentence' % (option, path))
    return sentences


def _check(args) -> None:
    if importlib.util.find_spec('ltp_extension') is None:
        raise UsageError('training needs ltp_extension: pip install "zh-wwm-data[ltp]" (torch first)')
    if args.epochs < 1:
        raise UsageError('--epochs must be at least 1')
    folder = os.path.dirname(os.path.abspath(args.output_model))
    if not os.path.isdir(folder):
        raise UsageError('--output_model: folder %s does not exist' % folder)
    if os.path.isdir(args.output_model):
        raise UsageError('--output_model %s is a folder; give the model file\'s path' % args.output_model)


def run(argv=None) -> int:
    try:
        args = _parser().parse_args(argv)
        _check(args)
        train = _sentences('--train_file', args.train_file)
        gold = _sentences('--eval_file', args.eval_file)
    except UsageError as error:
        print('%s: error: %s' % (PROG, error), file=sys.stderr)
        return 2
    started = time.perf_counter()
    train_cws_model(train, args.output_model, args.epochs)
    print('trained on %d sentences (%d held out to choose the epoch) in %.1f s; model: %s' % (
        len(train), len(train) // DEV_FRACTION, time.perf_counter() - started, args.output_model))
    segmenter = make_segmenter('ltp_legacy', model=args.output_model)
    score = score_corpus(gold, segmenter.segment([''.join(words) for words in gold]))
    print('%s: %d sentences, %d gold words: P %.4f R %.4f F1 %.4f' % (
        args.eval_file, len(gold), score.gold_words, score.precision, score.recall, score.f1))
    return 0


def main():
    sys.exit(run())


if __name__ == '__main__':
    main()
