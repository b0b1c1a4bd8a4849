"""Build benchmark corpora of a given size from the real corpora in ../shared/data.

    python -m benchmarks.build_corpus --size_mb 10 30 100 --output_dir bench_corpus

Sentences of THUCNews, zhwiki, CMRC, DRCD (traditional) and DuReader are pooled, then documents of
3-30 sentences are drawn from the pool with a seeded generator, so every document is a new
combination (deduplication keeps them all) while the text stays real. Written as plain text, a blank
line between documents.
"""
import argparse
import json
import os
import pathlib
import random

from wwm.text.sentences import split_sentences
from wwm.text.cleaning import clean_text

DEFAULT_DATA = pathlib.Path(__file__).resolve().parents[1].parent / 'shared' / 'data'


def _thucnews(data):
    for line in (data / 'news/thucnews_cnews_1000.txt').read_text(encoding='utf-8').split('\n'):
        if '\t' in line:
            yield line.split('\t', 1)[1]


def _zhwiki(data):
    for line in (data / 'zhwiki/wiki_00.wikiextractor_json_simplified.jsonl').open(encoding='utf-8'):
        yield json.loads(line)['text']


def _squad(path):
    for article in json.loads(path.read_text(encoding='utf-8'))['data']:
        for paragraph in article['paragraphs']:
            yield paragraph['context']
            for qa in paragraph['qas']:
                yield qa['question']


def _dureader(data):
    for line in (data / 'qa/dureader2_demo_search.dev.json').open(encoding='utf-8'):
        record = json.loads(line)
        yield record['question']
        for document in record['documents']:
            yield from document['paragraphs']


def sentence_pool(data: pathlib.Path) -> list:
    """Every distinct sentence of the real corpora, in a fixed order."""
    texts = [*_thucnews(data), *_zhwiki(data), *_squad(data / 'cmrc2018/cmrc2018_trial.squad.json'),
             *_squad(data / 'drcd/DRCD_test.json'), *_dureader(data)]
    seen = set()
    pool = []
    for text in texts:
        for sentence in split_sentences(clean_text(text)):
            if len(sentence) >= 4 and sentence not in seen:
                seen.add(sentence)
                pool.append(sentence)
    return pool


def write_corpus(pool: list, size_bytes: int, path: pathlib.Path, seed: int = 1) -> int:
    """Write documents drawn from the pool until the file reaches size_bytes; returns characters."""
    rng = random.Random(seed)
    written = chars = 0
    with path.open('w', encoding='utf-8') as out:
        while written < size_bytes:
            start = rng.randrange(len(pool))
            sentences = [pool[(start + rng.randrange(50)) % len(pool)] for _ in range(rng.randint(3, 30))]
            # Paragraphs of 1-5 sentences, as in real articles.
            paragraphs, i = [], 0
            while i < len(sentences):
                step = rng.randint(1, 5)
                paragraphs.append(''.join(sentences[i:i + step]))
                i += step
            document = '\n'.join(paragraphs) + '\n\n'
            out.write(document)
            written += len(document.encode('utf-8'))
            chars += len(document)
    return chars


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size_mb', type=float, nargs='+', default=[10, 30, 100])
    parser.add_argument('--output_dir', default='bench_corpus')
    parser.add_argument('--data_dir', default=os.environ.get('WWM_SHARED_DATA', str(DEFAULT_DATA)))
    args = parser.parse_args()
    pool = sentence_pool(pathlib.Path(args.data_dir))
    print('sentence pool: %d sentences, %.1f M characters' % (len(pool), sum(map(len, pool)) / 1e6))
    out = pathlib.Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    for size in args.size_mb:
        path = out / ('corpus_%gmb.txt' % size)
        chars = write_corpus(pool, int(size * 1e6), path)
        print('%s: %.1f MB, %.2f M characters' % (path, path.stat().st_size / 1e6, chars / 1e6))


if __name__ == '__main__':
    main()
