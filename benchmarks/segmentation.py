"""Word segmentation accuracy (SIGHAN P/R/F1) and speed of every segmenter backend.

    python -m benchmarks.segmentation [--data_dir ../shared/data] [--ltp_model DIR]

LTP legacy is trained on the first 80% of the SIGHAN 2005 PKU gold lines; every backend is scored
on the remaining 20% (never on text a model was trained on) and on the CityU gold (traditional,
Hong Kong) after OpenCC t2s, each gold word converted alone so the boundaries stay. Speed is
characters per CPU-second with one thread (per core), through ``make_segmenter`` as the pipeline
uses it. Without a trained neural LTP model (``--ltp_model``), neural LTP is measured with random
weights in an ELECTRA-small-sized backbone: its speed is real, its words are not, so it is not
scored. The lexicon of PKU's training set (55,303 words, made without the test text) shows what a
``--user_dict`` of protected words does. Prints one markdown table; nothing here is a test.
"""
import argparse
import os
import pathlib
import platform
import tempfile
import time

from tests.ltp_random_model import ELECTRA_SMALL, SPECIAL_TOKENS, write_random_ltp_model
from wwm.segmenters.segmentation_score import score_corpus
from wwm.segmenters.segmented_text import read_segmented
from wwm.segmenters import make_segmenter
from wwm.segmenters.legacy_training import train_cws_model
from wwm.tokens.vocab import parse_vocab, read_vocab_bytes

DEFAULT_DATA = pathlib.Path(os.environ.get(
    'WWM_SHARED_DATA', pathlib.Path(__file__).resolve().parents[1].parent / 'shared' / 'data'))
TRAIN_FRACTION = 0.8


def gold_sets(data: pathlib.Path) -> dict:
    """PKU train/test split and the CityU gold in simplified characters."""
    import opencc
    pku = read_segmented(str(data / 'sighan2005' / 'pku_test_gold.utf8'))
    cut = int(len(pku) * TRAIN_FRACTION)
    converter = opencc.OpenCC('t2s')
    cityu = [[converter.convert(word) for word in sentence]
             for sentence in read_segmented(str(data / 'sighan2005' / 'cityu_test_gold.utf8'))]
    return {'pku_train': pku[:cut], 'pku_test': pku[cut:], 'cityu_t2s': cityu}


def measure(segmenter, gold: list, min_seconds: float) -> tuple:
    """(score, characters segmented, CPU seconds): the raw text is segmented again and again
    until ``min_seconds`` of CPU time have passed."""
    raw = [''.join(sentence) for sentence in gold]
    start = time.process_time()
    words = segmenter.segment(raw)
    passes = 1
    while time.process_time() - start < min_seconds:
        segmenter.segment(raw)
        passes += 1
    return score_corpus(gold, words), passes * sum(map(len, raw)), time.process_time() - start


def backends(folder: str, sets: dict, data: pathlib.Path, ltp_model: str) -> list:
    """(label, make_segmenter arguments, scored?) for every backend measured."""
    legacy = os.path.join(folder, 'cws_model.bin')
    started = time.perf_counter()
    train_cws_model(sets['pku_train'], legacy)
    print('LTP legacy trained on %d PKU sentences in %.1f s' % (len(sets['pku_train']), time.perf_counter() - started))
    vocab = parse_vocab(read_vocab_bytes(str(data / 'vocab' / 'vocab.txt')))
    tokens = [token for token in vocab if token and token not in SPECIAL_TOKENS]
    random_ltp = write_random_ltp_model(os.path.join(folder, 'ltp_random'), tokens, ELECTRA_SMALL)
    found = [('jieba (HMM on)', {'name': 'jieba'}, True),
             ('jieba (HMM off)', {'name': 'jieba', 'hmm': False}, True),
             ('jieba + PKU training lexicon as --user_dict',
              {'name': 'jieba', 'user_dict': str(data / 'sighan2005' / 'pku_training_words.utf8')}, True),
             ('ltp_legacy (PKU 80%)', {'name': 'ltp_legacy', 'model': legacy}, True),
             ('ltp, random weights', {'name': 'ltp', 'model': random_ltp}, False)]
    if ltp_model:
        found.append(('ltp (%s)' % os.path.basename(ltp_model.rstrip('/')), {'name': 'ltp', 'model': ltp_model}, True))
    return found


def cpu_name() -> str:
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as handle:
            return next(line.split(':', 1)[1].strip() for line in handle if line.startswith('model name'))
    except (OSError, StopIteration):
        return platform.machine()


def _cell(score, scored: bool) -> str:
    if not scored:
        return '- | - | -'
    return '%.3f | %.3f | %.3f' % (score.precision, score.recall, score.f1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data_dir', type=pathlib.Path, default=DEFAULT_DATA)
    parser.add_argument('--ltp_model', help='a trained neural LTP model folder, to score too')
    parser.add_argument('--min_seconds', type=float, default=3.0,
                        help='CPU seconds of repeated segmentation per speed measurement')
    args = parser.parse_args()

    sets = gold_sets(args.data_dir)
    print('PKU test: %d sentences, %d chars; CityU t2s: %d sentences, %d chars' % (
        len(sets['pku_test']), sum(len(''.join(s)) for s in sets['pku_test']),
        len(sets['cityu_t2s']), sum(len(''.join(s)) for s in sets['cityu_t2s'])))
    import torch
    device = 'GPU %s' % torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'CPU, 1 thread'
    print('machine: %s, %d cores; neural LTP on %s' % (cpu_name(), os.cpu_count(), device))
    with tempfile.TemporaryDirectory(prefix='segmentation-bench-') as folder:
        measured = backends(folder, sets, args.data_dir, args.ltp_model)
        print('\n| segmenter | PKU P | PKU R | PKU F1 | CityU→t2s P | CityU→t2s R | CityU→t2s F1 '
              '| chars/s per core |')
        print('|---|---|---|---|---|---|---|---|')
        for label, settings, scored in measured:
            segmenter = make_segmenter(settings.pop('name'), threads=1, **settings)
            pku, pku_chars, pku_seconds = measure(segmenter, sets['pku_test'], args.min_seconds)
            cityu, cityu_chars, cityu_seconds = measure(segmenter, sets['cityu_t2s'], args.min_seconds)
            rate = (pku_chars + cityu_chars) / (pku_seconds + cityu_seconds)
            print('| %s | %s | %s | %.0f |' % (label, _cell(pku, scored), _cell(cityu, scored), rate), flush=True)


if __name__ == '__main__':
    main()
