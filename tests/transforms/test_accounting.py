"""The job on real corpora with planted problems: every document read ends kept or dropped for one
counted reason, per source; rejects show where each came from; the text stages leave no markup or
traditional characters; the output does not depend on the worker count."""
import hashlib
import json

import opencc
import pytest

from beam_jobs.build_pretraining_data import run
from tests.conftest import shared_file
from tests.example_proto import parse_example, read_tfrecord_file

NEWS_DOCS = 200
WIKI_DOCS = 10
DRCD_DOCS = 50
MULTI_PROCESS = ('--direct_running_mode=multi_processing', '--direct_num_workers=2')


def _news():
    lines = shared_file('news/thucnews_cnews_1000.txt').read_text(encoding='utf-8').split('\n')
    return [line.split('\t', 1)[1] for line in lines if '\t' in line]


def _planted(news):
    """plants.txt (after news.txt in keep order): each document is there to be dropped for a known reason."""
    return [
        (news[5].replace('，', ', ').replace('。', '. '), 'duplicate'),      # punctuation and spacing changed
        (opencc.OpenCC('s2t').convert(news[20]), 'duplicate'),            # traditional copy: same after t2s
        (news[11].replace('。', '。本报记者在现场看到。', 1), 'near_duplicate'),  # one sentence added
        ('你好，世界。', 'too_short'),
        ('责任编辑：张三\n来源：新华网', 'boilerplate_only'),
        ('<br>&nbsp;<!-- 空 -->', 'empty'),
    ]


@pytest.fixture(scope='module')
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp('corpus')
    news = _news()
    (folder / 'news.txt').write_text('\n\n'.join(news[:NEWS_DOCS]) + '\n', encoding='utf-8')
    wiki = shared_file('zhwiki/wiki_00.wikiextractor_json_simplified.jsonl').read_text(encoding='utf-8')
    with_markup = sorted((line for line in wiki.split('\n') if '-{' in line), key=len)[:WIKI_DOCS]
    wiki_lines = with_markup + ['{"text": "未闭合', '{"title": "没有正文"}']
    (folder / 'wiki.jsonl').write_text('\n'.join(wiki_lines) + '\n', encoding='utf-8')
    drcd = json.loads(shared_file('drcd/DRCD_test.json').read_text(encoding='utf-8'))
    contexts = [p['context'] for article in drcd['data'] for p in article['paragraphs']][:DRCD_DOCS]
    (folder / 'drcd.jsonl').write_text(''.join(json.dumps({'text': c}, ensure_ascii=False) + '\n'
                                               for c in contexts), encoding='utf-8')
    (folder / 'plants.txt').write_text('\n\n'.join(text for text, _ in _planted(news)), encoding='utf-8')
    return folder, news, contexts


def _run(corpus_folder, output_dir, *extra):
    assert run(['--input', str(corpus_folder / '*'), '--output_dir', str(output_dir), '--dupe_factor', '1',
                '--num_shards', '2', '--vocab_file', str(shared_file('vocab/vocab.txt'))] + list(extra)) == 0
    return json.loads((output_dir / 'manifest.json').read_text(encoding='utf-8'))


@pytest.fixture(scope='module')
def dataset(corpus, tmp_path_factory):
    output_dir = tmp_path_factory.mktemp('accounting') / 'out'
    return output_dir, _run(corpus[0], output_dir)


def test_read_equals_kept_plus_dropped_per_source_and_in_total(dataset):
    _, manifest = dataset
    sources = manifest['sources']
    assert {name: s['documents_read'] for name, s in sources.items()} == {
        'news.txt': NEWS_DOCS, 'wiki.jsonl': WIKI_DOCS + 2, 'drcd.jsonl': DRCD_DOCS, 'plants.txt': 6}
    for name, source in sources.items():
        assert source['documents_read'] == source['documents_kept'] + sum(source['dropped'].values()), name
    counts = manifest['counts']
    assert counts['documents_read'] == counts['documents_kept'] + sum(manifest['dropped'].values())
    for reason, total in manifest['dropped'].items():
        assert total == sum(s['dropped'].get(reason, 0) for s in sources.values())


def test_each_planted_document_is_dropped_for_its_reason(dataset, corpus):
    _, manifest = dataset
    expected = {}
    for _, reason in _planted(corpus[1]):
        expected[reason] = expected.get(reason, 0) + 1
    assert manifest['sources']['plants.txt']['dropped'] == expected
    assert manifest['sources']['plants.txt']['documents_kept'] == 0
    assert manifest['sources']['wiki.jsonl']['dropped'] == {'malformed_json': 1, 'no_text_field': 1}
    assert manifest['sources']['drcd.jsonl']['dropped'] == {}
    news_drops = manifest['sources']['news.txt']['dropped']
    assert set(news_drops) <= {'repeated_ngrams', 'low_cjk_fraction', 'near_duplicate'}
    assert 0 < sum(news_drops.values()) <= 0.05 * NEWS_DOCS


def test_characters_before_and_after(dataset, corpus):
    _, manifest = dataset
    news = manifest['sources']['news.txt']
    assert news['characters_read'] == sum(len(text) for text in corpus[1][:NEWS_DOCS])
    assert 0.8 * news['characters_read'] < news['characters_kept'] < news['characters_read']
    assert manifest['counts']['characters_read'] == sum(s['characters_read'] for s in manifest['sources'].values())
    assert manifest['counts']['cleaning.converter_markup'] >= 18  # in the 10 wiki articles
    assert manifest['counts']['filtering.boilerplate_lines'] > 0


def test_rejects_name_source_position_and_cause(dataset):
    output_dir, manifest = dataset
    assert sorted(manifest['rejects']) == sorted('rejects/%s.jsonl' % r for r in manifest['dropped'])
    for name in manifest['rejects']:
        for line in (output_dir / name).read_text(encoding='utf-8').split('\n')[:-1]:
            record = json.loads(line)
            source, position = record['doc_id'].rsplit(':', 1)
            assert source == record['source'] in manifest['sources'] and position.isdigit()
            if record['reason'] in ('duplicate', 'near_duplicate'):
                assert record['detail'].startswith(('duplicate of news.txt:', 'near duplicate of news.txt:'))
    duplicates = (output_dir / 'rejects' / 'duplicate.jsonl').read_text(encoding='utf-8')
    assert '"detail": "duplicate of news.txt:5"' in duplicates and '"detail": "duplicate of news.txt:20"' in duplicates


def _output_token_ids(output_dir, manifest) -> set:
    """Every token id of the output, masked positions restored to their original ids."""
    seen = set()
    for shard in manifest['formats']['tfrecord']['shards']:
        for record in read_tfrecord_file(str(output_dir / shard['file_name'])):
            example = parse_example(record)
            ids = list(example['input_ids'][1])
            weights = example['masked_lm_weights'][1]
            for k, position in enumerate(example['masked_lm_positions'][1]):
                if weights[k]:
                    ids[position] = example['masked_lm_ids'][1][k]
            seen.update(ids)
    return seen


def test_output_has_no_markup_and_no_traditional_characters(dataset, corpus, real_vocab):
    output_dir, manifest = dataset
    seen = _output_token_ids(output_dir, manifest)
    assert real_vocab['{'] not in seen and real_vocab['}'] not in seen  # -{...}- resolved in wiki.jsonl
    to_simplified = opencc.OpenCC('t2s').convert
    traditional = {c for text in corpus[2] for c in text if to_simplified(c) != c and c in real_vocab}
    assert len(traditional) > 100
    assert not seen & {real_vocab[c] for c in traditional}


def test_worker_count_does_not_change_a_byte(dataset, corpus, tmp_path):
    output_dir, _ = dataset
    multi = tmp_path / 'multi'
    _run(corpus[0], multi, *MULTI_PROCESS)
    digest = lambda folder: {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                             for p in sorted(folder.rglob('*')) if p.is_file()}
    assert digest(multi) == digest(output_dir)
