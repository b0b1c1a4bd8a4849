"""The inspector verifies every format against the manifest, finds damaged or missing shards, shows
examples with masks or word groups, and writes a report whose plots hold the dataset's numbers."""
import re
import shutil
import subprocess
import sys
from html import escape
from html.parser import HTMLParser

import pytest

from beam_jobs.inspect import main as inspect
from schemas.manifest import tokens_by_source
from tests.conftest import ROOT
from tests.output_datasets import (build_dynamic_dataset, build_static_dataset, dataset_instances,
                                   inspect_a_damaged_copy)
from wwm.tokens.vocab import parse_vocab


@pytest.fixture(scope='module')
def datasets(tmp_path_factory, real_vocab_path):
    tmp = tmp_path_factory.mktemp('inspect')
    static_dir, static_manifest = build_static_dataset(tmp, real_vocab_path)
    vocab_bytes = real_vocab_path.read_bytes()
    id_to_token = {i: token for token, i in parse_vocab(vocab_bytes).items()}
    dynamic_dir, dynamic_manifest, _ = build_dynamic_dataset(tmp, static_dir, static_manifest,
                                                             vocab_bytes, id_to_token)
    return (static_dir, static_manifest), (dynamic_dir, dynamic_manifest)


def test_a_sound_dataset_verifies_and_shows_masks(datasets, capsys):
    (static_dir, manifest), _ = datasets
    assert inspect([str(static_dir), '--examples', '3']) == 0
    out = capsys.readouterr().out
    assert 'shards: 12 verified, 0 problem(s)' in out
    assert 'arrow: 4 shards, records per shard %s' % [
        s['records'] for s in manifest['formats']['arrow']['shards']] in out
    examples = re.findall(r'^  tokens: (.*)$', out, re.M)
    assert len(examples) == 3 and all(e.startswith('[CLS] ') for e in examples)
    first = dataset_instances(static_dir, manifest, 'arrow')[0]
    assert examples[0].count('→') == len(first.masked_lm_positions) and '[MASK→' in examples[0]


def test_dynamic_examples_show_word_groups(datasets, capsys):
    _, (dynamic_dir, manifest) = datasets
    assert inspect([str(dynamic_dir), '--examples', '1']) == 0
    out = capsys.readouterr().out
    words = re.search(r'^  words: +(.*)$', out, re.M).group(1).split(' | ')
    first = dataset_instances(dynamic_dir, manifest, 'arrow')[0]
    assert words[0] == '[CLS]' and len(words) == len(set(first.word_ids)) + first.input_ids.count(102)
    assert max(len(word) for word in words) > 1
    refs = re.search(r'^  chinese_ref: (.*)$', out, re.M).group(1)
    assert [int(ref.split(':')[0]) for ref in refs.split()] == first.chinese_ref


@pytest.mark.parametrize('victim', ['part-00001-of-00004.tfrecord.gz', 'part-00002-of-00004.arrow',
                                   'part-00003-of-00004.parquet'])
def test_a_damaged_shard_fails_with_exit_1(datasets, tmp_path, victim):
    (static_dir, _), _ = datasets
    result = inspect_a_damaged_copy(static_dir, tmp_path, victim)
    assert result.returncode == 1
    assert '%s: sha256 differs from the manifest' % victim in result.stderr
    assert 'shards: 12 verified, ' in result.stdout and ', 0 problem(s)' not in result.stdout


def test_a_missing_shard_and_a_non_dataset(datasets, tmp_path, capsys):
    (static_dir, _), _ = datasets
    copy = tmp_path / 'copy'
    shutil.copytree(static_dir, copy)
    (copy / 'part-00000-of-00004.parquet').unlink()
    assert inspect([str(copy)]) == 1
    assert 'part-00000-of-00004.parquet is missing' in capsys.readouterr().err
    (tmp_path / 'empty').mkdir()
    assert inspect([str(tmp_path / 'empty')]) == 2


class _Svgs(HTMLParser):
    """Titles of the report's charts, and the values of their columns (histogram bins) in order."""

    def __init__(self):
        super().__init__()
        self.titles, self.columns, self._open = [], [], []

    def handle_starttag(self, tag, attrs):
        self._open.append(tag)

    def handle_endtag(self, tag):
        self._open.pop()

    def handle_data(self, data):
        if self._open[-2:] == ['svg', 'title']:
            self.titles.append(data)
        elif self._open[-2:] == ['rect', 'title']:
            self.columns.append(int(data.rsplit(': ', 1)[1].replace(',', '')))


def test_report_of_a_folder_of_datasets_holds_their_plots(datasets, tmp_path, capsys):
    (static_dir, manifest), (dynamic_dir, _) = datasets
    shutil.copytree(static_dir, tmp_path / 'out' / 'seq128')
    shutil.copytree(dynamic_dir, tmp_path / 'out' / 'seq128_dynamic')
    report = tmp_path / 'report.html'
    assert inspect([str(tmp_path / 'out'), '--report', str(report), '--examples', '1']) == 0
    out = capsys.readouterr().out
    assert '== dataset seq128_dynamic: masking dynamic' in out
    page = report.read_text(encoding='utf-8')
    assert '<script' not in page and 'http' not in page.replace('http://www.w3.org/2000/svg', '')
    svgs = _Svgs()
    svgs.feed(page)
    assert svgs.titles.count('Sequence lengths (tokens, [CLS] and [SEP] included)') == 2
    # One source and one static dataset: a sentence each, not a chart of one bar.
    assert 'Tokens per source' not in svgs.titles and 'Masked share of tokens per strategy' not in svgs.titles
    assert 'Masked share of tokens per strategy: wwm (seq128), ' in page
    assert any(t.startswith('Predictions per instance') for t in svgs.titles)
    assert any(t.startswith('Masked positions (') for t in svgs.titles)
    assert any(t.startswith('Whole-word groups') for t in svgs.titles)
    # Real news text loses a few documents to the filters; the dynamic test dataset none.
    assert page.count('No document was dropped.') == 1 + (not manifest['dropped'])
    for reason, count in manifest['dropped'].items():
        assert '>%s: %d</title>' % (reason, count) in page or reason in page
    instances = manifest['counts']['instances']
    assert svgs.columns[:33] and sum(svgs.columns[:33]) == instances   # static length histogram
    source, tokens = next(iter(tokens_by_source(manifest).items()))
    assert 'Tokens per source: %s, {:,}'.format(tokens) % source in page
    # The examples inspect printed, decoded, are on the page; so is the date it was made.
    static_example = re.search(r'^  tokens: (.*)$', out, re.M).group(1)
    assert escape(static_example, quote=False).split(' [SEP] ')[0] in re.sub('</?mark>', '', page)
    dynamic_words = re.search(r'^  words: +(.*)$', out, re.M).group(1)
    assert escape(dynamic_words, quote=False) in page
    assert re.search(r'Report made \d{4}-\d\d-\d\d \d\d:\d\d UTC', page)


@pytest.mark.parametrize('damage', ['empty', 'cut short', 'not JSON', 'not a manifest'])
def test_a_damaged_manifest_is_one_line_and_exit_2(datasets, tmp_path, damage):
    """A disk that filled during an old commit left a cut manifest: inspect said so with a
    traceback. Now one line, exit 2, for every way a manifest can fail to be one."""
    (static_dir, _), _ = datasets
    copy = tmp_path / 'copy'
    shutil.copytree(static_dir, copy)
    data = (copy / 'manifest.json').read_bytes()
    (copy / 'manifest.json').write_bytes({'empty': b'', 'cut short': data[:len(data) // 2],
                                          'not JSON': b'\x89PNG\r\n', 'not a manifest': b'[1, 2]'}[damage])
    result = subprocess.run([sys.executable, '-m', 'beam_jobs.inspect', str(copy)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and result.stderr.count('\n') == 1, result.stderr
    assert result.stderr.startswith('inspect: error: %s: ' % (copy / 'manifest.json'))
    assert 'Traceback' not in result.stderr


def test_a_stray_part_file_beside_the_shards_fails_with_exit_1(datasets, tmp_path, capsys):
    """A reader that globs part-* would take a file the manifest does not list."""
    (static_dir, _), _ = datasets
    copy = tmp_path / 'copy'
    shutil.copytree(static_dir, copy)
    shutil.copy(copy / 'part-00000-of-00004.arrow', copy / 'part-00000-of-00002.arrow')
    (copy / 'part-of-my-thesis.txt').write_text('论文\n', encoding='utf-8')
    assert inspect([str(copy)]) == 1
    err = capsys.readouterr().err
    for name in ('part-00000-of-00002.arrow', 'part-of-my-thesis.txt'):
        assert '%s is not listed by the manifest' % name in err


@pytest.mark.parametrize('args', [[], ['out', '--examples', 'two'], ['out', '--no_such_option']])
def test_bad_arguments_are_one_line_and_exit_2(args, capsys):
    """argparse's own error() printed the usage before the error."""
    assert inspect(args) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and err.startswith('inspect: error: '), err
