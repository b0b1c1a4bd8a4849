"""rjieba (jieba-rs) against the project's C port of jieba (wwm/native/_jieba.c): which of them gives
jieba 0.42.1's own words, and how fast.

    python -m benchmarks.rjieba_vs_port [--repeats 5] [--user_dict PATH] [--every N]

``pip install rjieba`` first (it is not a dependency of the project). On every distinct sentence of
the real corpora (build_corpus.sentence_pool: THUCNews, zhwiki, CMRC, DRCD, DuReader), in the
job's three jieba settings (HMM on, the default; HMM off; HMM on with a user dictionary, by default
SIGHAN 2005's PKU word list in jieba's layout, one word a line): the share of sentences whose word
list equals ``jieba.Tokenizer.lcut``'s, and characters a second on one core. The port runs as the
job calls it (JiebaBackend.segment, a batch of a document's sentences a call, BATCH here), rjieba
one ``cut`` a sentence (its only API); both in this process on the same sentences, passes
alternating so that a busy moment of the machine hits both, medians of --repeats passes. jieba
itself is timed once, on the pass that gives the reference words.
"""
import argparse
import pathlib
import re
import statistics
import time

from benchmarks.build_corpus import DEFAULT_DATA, sentence_pool
from wwm.segmenters.jieba_backend import JiebaBackend

BATCH = 32
# jieba 0.42.1's re_userdict: "word [freq] [tag]", as Tokenizer.load_userdict parses a line
_USER_LINE = re.compile('^(.+?)( [0-9]+)?( [a-z]+)?$', re.U)


def rjieba_segmenter(user_dict: bytes):
    """rjieba's default dictionary plus ``user_dict``'s lines added as jieba's load_userdict adds
    them (a word without a count gets suggest_freq's)."""
    import rjieba
    segmenter = rjieba.Jieba()
    for line in (user_dict or b'').decode('utf-8-sig').split('\n'):
        line = line.strip()
        if line:
            word, freq, tag = _USER_LINE.match(line).groups()
            segmenter.add_word(word, int(freq) if freq else None, tag.strip() if tag else None)
    return segmenter


def port_words(backend: JiebaBackend, sentences: list) -> list:
    words = []
    for start in range(0, len(sentences), BATCH):
        words.extend(backend.segment(sentences[start:start + BATCH]))
    return words


def rjieba_words(segmenter, sentences: list, hmm: bool) -> list:
    return [segmenter.cut(sentence, hmm) for sentence in sentences]


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def compare(name: str, sentences: list, hmm: bool, user_dict: bytes, repeats: int) -> dict:
    """Agreement with jieba and speed of the port and of rjieba in one setting."""
    port = JiebaBackend(hmm, user_dict)
    if port._table is None:
        raise SystemExit('wwm/native/_jieba.c is not built: nothing to compare')
    reference = JiebaBackend(hmm, user_dict, in_c=False)
    segmenter = rjieba_segmenter(user_dict)
    characters = sum(map(len, sentences))
    expected, jieba_seconds = timed(port_words, reference, sentences)
    port_seconds, rjieba_seconds = [], []
    for _ in range(repeats):
        ours, seconds = timed(port_words, port, sentences)
        port_seconds.append(seconds)
        theirs, seconds = timed(rjieba_words, segmenter, sentences, hmm)
        rjieba_seconds.append(seconds)
    differing = [(sentence, want, got) for sentence, want, got in zip(sentences, expected, theirs)
                 if want != got]
    return {
        'setting': name, 'sentences': len(sentences), 'characters': characters,
        'port_same': sum(a == b for a, b in zip(ours, expected)),
        'rjieba_same': len(sentences) - len(differing),
        'jieba_chars_s': characters / jieba_seconds,
        'port_chars_s': characters / statistics.median(port_seconds),
        'rjieba_chars_s': characters / statistics.median(rjieba_seconds),
        'examples': differing[:3],
    }


def report(rows: list) -> str:
    lines = ['| setting | sentences | characters | same words as jieba: port / rjieba | '
             'chars/s (median): port / rjieba / jieba | port / rjieba |',
             '| --- | ---: | ---: | --- | --- | ---: |']
    for row in rows:
        lines.append('| %s | %d | %d | %d (%.3f%%) / %d (%.3f%%) | %s / %s / %s | %.2fx |' % (
            row['setting'], row['sentences'], row['characters'],
            row['port_same'], 100 * row['port_same'] / row['sentences'],
            row['rjieba_same'], 100 * row['rjieba_same'] / row['sentences'],
            '{:,.0f}'.format(row['port_chars_s']), '{:,.0f}'.format(row['rjieba_chars_s']),
            '{:,.0f}'.format(row['jieba_chars_s']), row['port_chars_s'] / row['rjieba_chars_s']))
    for row in rows:
        for sentence, want, got in row['examples']:
            lines.append('%s: %s\n  jieba:  %s\n  rjieba: %s' % (row['setting'], sentence,
                                                                 ' / '.join(want), ' / '.join(got)))
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', default=str(DEFAULT_DATA), help='the shared/data folder')
    parser.add_argument('--user_dict', default=None,
                        help='a dictionary in jieba\'s layout (default: sighan2005/pku_training_words.utf8)')
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--every', type=int, default=1, help='take every Nth sentence of the pool')
    args = parser.parse_args()
    data = pathlib.Path(args.data)
    sentences = sentence_pool(data)[::args.every]
    user_path = pathlib.Path(args.user_dict or data / 'sighan2005/pku_training_words.utf8')
    user_dict = user_path.read_bytes()
    rows = [compare('HMM on', sentences, True, None, args.repeats),
            compare('HMM off', sentences, False, None, args.repeats),
            compare('HMM on, user dict %s' % user_path.name, sentences, True, user_dict, args.repeats)]
    print(report(rows))


if __name__ == '__main__':
    main()
