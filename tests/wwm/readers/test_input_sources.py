"""The sources file, up-sampling weights, input options, and the job end to end on a mix of the
real formats (compressed, auto-detected) with read = kept + dropped in the manifest."""
import bz2
import collections
import gzip
import json

import pytest
import zstandard

from beam_jobs.build_pretraining_data import (COMPRESSED_TEXT_BYTES, RECORD_BYTES_PER_TEXT_BYTE,
                                              expected_record_bytes, run)
from beam_jobs.inputs import resolve_inputs
from schemas.sources import ReadSpec
from tests.conftest import DEMO_CORPUS, ROOT, shared_file
from wwm.readers.sources_file import parse_sources
from wwm.readers.upsampling import copies, copy_id

WIKI_DUMP = ROOT / 'tests' / 'data' / 'zhwiki-sample-pages-articles.xml'


def test_sources_entries_take_defaults_from_the_options():
    entries = parse_sources('sources:\n'
                            '  - {path: "news/*.dat", format: sogou, encoding: GBK, weight: 2.5}\n'
                            '  - path: qa.jsonl\n'
                            '    text_field: body\n', ReadSpec('auto', 'utf-8', 'text', 4096))
    assert [(e.pattern, e.spec, e.weight) for e in entries] == [
        ('news/*.dat', ReadSpec('sogou', 'gb18030', 'text', 4096), 2.5),
        ('qa.jsonl', ReadSpec('auto', 'utf-8', 'body', 4096), 1.0)]
    assert parse_sources('- path: a.txt\n', ReadSpec())[0].pattern == 'a.txt'


@pytest.mark.parametrize('text, message', [
    ('- path: a\n  wieght: 2\n', "source 1: unknown key(s) wieght"),
    ('- format: text\n', 'source 1: "path" (a file or glob) is required'),
    ('- path: a\n- path: b\n  format: pdf\n', "source 2: unknown format 'pdf'"),
    ('- path: a\n  weight: -1\n', 'source 1: weight must be a number >= 0'),
    ('- path: a\n  weight: lots\n', 'source 1: weight must be a number >= 0'),
    ('- path: a\n  encoding: latin-1\n', "unknown encoding 'latin-1'"),
    ('sources: []\n', 'expected a non-empty list of sources'),
    ('- path: [a\n', 'not valid YAML'),
])
def test_bad_sources_files_are_refused(text, message):
    with pytest.raises(ValueError, match=message.replace('(', r'\(').replace(')', r'\)')):
        parse_sources(text, ReadSpec())


def test_weights_give_seeded_copies():
    ids = ['news.txt:%d' % n for n in range(4000)]
    for weight in (0, 0.3, 1, 2, 2.5):
        counts = [copies(weight, 12345, doc_id) for doc_id in ids]
        assert set(counts) <= {int(weight), int(weight) + 1}
        assert abs(sum(counts) / len(ids) - weight) < 0.03, weight
        assert counts == [copies(weight, 12345, doc_id) for doc_id in ids]  # same on every call
    assert [copies(0.5, 1, i) for i in ids] != [copies(0.5, 2, i) for i in ids]  # seed matters
    assert [copy_id('a.txt:3', k) for k in range(3)] == ['a.txt:3', 'a.txt:3#copy1', 'a.txt:3#copy2']


@pytest.mark.parametrize('args, message', [
    (['--input', 'x', '--sources', 'y'], '--sources and --input are mutually exclusive'),
    (['--input_format', 'pdf'], "unknown --input_format 'pdf'"),
    (['--input_encoding', 'latin1'], "--input_encoding: unknown encoding 'latin1'"),
    (['--max_line_bytes', '10'], '--max_line_bytes must be at least 1024'),
    (['--sources', '/nonexistent/sources.yaml'], '--sources /nonexistent/sources.yaml does not exist'),
])
def test_bad_input_options_exit_2(tmp_path, capsys, args, message):
    if '--input' not in args and '--sources' not in args:
        args = ['--input', str(DEMO_CORPUS / '*')] + args
    assert run(args + ['--output_dir', str(tmp_path / 'out')]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / 'out').exists()


def test_a_file_in_two_sources_with_different_weights_is_refused(tmp_path, capsys):
    sources = tmp_path / 'sources.yaml'
    sources.write_text('- {path: "%s/*.txt", weight: 2}\n- {path: "%s/news.txt"}\n'
                       % (DEMO_CORPUS, DEMO_CORPUS), encoding='utf-8')
    assert run(['--sources', str(sources), '--output_dir', str(tmp_path / 'out')]) == 2
    assert 'news.txt is matched by sources' in capsys.readouterr().err


def _head_lines(relative, count):
    return ''.join(shared_file(relative).read_text(encoding='utf-8').splitlines(True)[:count])


@pytest.fixture(scope='module')
def mixed_corpus(tmp_path_factory):
    """Real files in six formats, compressed three ways, and a sources file with weights."""
    folder = tmp_path_factory.mktemp('mixed')
    (folder / 'news').mkdir()
    (folder / 'news' / 'sogou.dat.gz').write_bytes(gzip.compress(
        shared_file('news/sogoucs_news_sohusite_xml.smarty.gbk.dat').read_bytes()))
    (folder / 'news' / 'thucnews.txt').write_text(_head_lines('news/thucnews_cnews_1000.txt', 60),
                                                  encoding='utf-8')
    (folder / 'zhwiki-pages-articles.xml.bz2').write_bytes(bz2.compress(WIKI_DUMP.read_bytes()))
    raw_wiki = shared_file('zhwiki/wiki_00.wikiextractor_doc_raw.txt').read_text(encoding='utf-8')
    (folder / 'wiki_00').write_text(raw_wiki[:raw_wiki.index('</doc>\n') + 7], encoding='utf-8')
    (folder / 'cmrc.json.zst').write_bytes(zstandard.ZstdCompressor().compress(
        shared_file('cmrc2018/cmrc2018_trial.squad.json').read_bytes()))
    (folder / 'dureader.json').write_text(_head_lines('qa/dureader2_demo_search.dev.json', 5),
                                          encoding='utf-8')
    (folder / 'sources.yaml').write_text(
        'sources:\n'
        '  - {path: "news/*", weight: 1}\n'
        '  - {path: zhwiki-pages-articles.xml.bz2, format: wiki_xml, weight: 2}\n'
        '  - {path: wiki_00}\n'
        '  - {path: cmrc.json.zst, weight: 0.5}\n'
        '  - {path: dureader.json, format: dureader}\n', encoding='utf-8')
    # Documents in the inputs, counted without our readers: SOURCE.txt for Sogou (200 docs) and
    # CMRC (256 paragraphs), <page> elements of the dump, lines of the line-based files.
    expected_read = 200 + 60 + WIKI_DUMP.read_text(encoding='utf-8').count('<page>') + 1 + 256 + 5
    return folder, expected_read


def test_job_on_mixed_real_formats_accounts_for_every_document(mixed_corpus, real_vocab_path):
    folder, expected_read = mixed_corpus
    output_dir = folder / 'out'
    assert run(['--sources', str(folder / 'sources.yaml'), '--output_dir', str(output_dir),
                '--vocab_file', str(real_vocab_path), '--dupe_factor', '1', '--num_shards', '2']) == 0
    manifest = json.loads((output_dir / 'manifest.json').read_text(encoding='utf-8'))
    counts, dropped = manifest['counts'], manifest['dropped']
    assert counts['documents_read'] == expected_read
    assert {name: value for name, value in counts.items() if name.startswith('input_files.')} == {
        'input_files.sogou': 1, 'input_files.thucnews': 1, 'input_files.wiki_xml': 1,
        'input_files.wikiextractor': 1, 'input_files.squad': 1, 'input_files.dureader': 1}
    # Two wiki articles at weight 2 give two extra copies; CMRC at 0.5 keeps about half.
    assert counts['upsampled_copies'] == 2
    assert 90 < dropped['downsampled'] < 166
    assert (dropped['empty_content'], dropped['redirect'], dropped['disambiguation'],
            dropped['not_main_namespace']) == (36, 2, 1, 2)
    assert (counts['documents_read'] + counts['upsampled_copies']
            == counts['documents_kept'] + sum(dropped.values()))
    assert manifest['options']['input_weights'] == {'cmrc.json.zst': 0.5,
                                                    'zhwiki-pages-articles.xml.bz2': 2.0}
    samples = [json.loads(line) for line in
               (output_dir / 'rejects' / 'redirect.jsonl').read_text(encoding='utf-8').splitlines()]
    assert {(s['source'], s['offset'] > 0) for s in samples} == {('zhwiki-pages-articles.xml.bz2', True)}
    assert collections.Counter(s['reason'] for s in samples) == {'redirect': 2}


def test_the_shard_sort_is_sized_from_the_inputs_stored_bytes(tmp_path):
    """Sizes as matched, compressed files counted as the text they hold, weights and copies."""
    (tmp_path / 'a.txt').write_bytes(b'x' * 1000)
    (tmp_path / 'b.txt.gz').write_bytes(b'y' * 300)
    (tmp_path / 'sources.yaml').write_text('- {path: "%s/a.txt", weight: 2}\n- path: "%s/b.txt.gz"\n'
                                           % (tmp_path, tmp_path), encoding='utf-8')
    files = resolve_inputs(parse_sources((tmp_path / 'sources.yaml').read_text(encoding='utf-8'),
                                         ReadSpec()))
    assert [(f.name, f.size, f.weight) for f in files] == [('a.txt', 1000, 2.0), ('b.txt.gz', 300, 1.0)]
    text_bytes = 1000 * 2 + 300 * COMPRESSED_TEXT_BYTES
    for masking in ('static', 'dynamic'):
        assert (expected_record_bytes(files, 10, masking)
                == text_bytes * 10 * RECORD_BYTES_PER_TEXT_BYTE[masking])
