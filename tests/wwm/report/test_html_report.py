"""The HTML report from a made-up manifest and statistics: honest axes (a log count axis, every
group size, no lone bar), what made the data, the documents behind the drops, the [UNK] rate,
decoded examples, and every text escaped in a page with no script."""
import re
from html.parser import HTMLParser

from schemas.records import TrainingInstance
from wwm.report.html import DatasetReport, render
from wwm.report.stats import DatasetStats

MASK_ID = 103
EVIL = '<script>alert(1)</script>'


def _manifest(masking='static', sources=('news.txt',), dropped=None):
    return {
        'options': {'max_seq_length': 128, 'mask_strategy': 'wwm', 'segmenter': 'jieba',
                    'masking': masking, 'user_dict': EVIL},
        'vocab': {'source': 'vocab.txt', 'size': 21128, 'sha256': 'ab' * 32},
        'counts': {'documents_read': 1000, 'documents_kept': 900, 'tokens': 200000,
                   'unknown_tokens': 1460},
        'unknown_characters': [['“', 700], ['缫', 2]],
        'dropped': {'too_short': 75, 'exact_duplicate': 25} if dropped is None else dropped,
        'sources': {name: {'tokens': 200000 // len(sources)} for name in sources},
        'masking': masking,
        'formats': {'tfrecord': {'compression': 'none', 'shards': [
            {'file_name': 'part-00000-of-00001.tfrecord', 'records': 3, 'num_bytes': 9, 'sha256': 'x'}]}},
        'software': {'zh_wwm_data': '9.8.7', 'apache_beam': '2.77.0', 'runner': 'DirectRunner',
                     'native_kernels': {'jieba': True}},
    }


def _static_stats():
    """100,000 full-length instances with 20 masks, 2 of length 7 with 1 mask (a tiny bin)."""
    stats = DatasetStats(MASK_ID)
    full = TrainingInstance([101] + [200] * 126 + [102], [0] * 128, 1, list(range(1, 21)),
                            [201] * 20, [], [])
    short = TrainingInstance([101, MASK_ID, 200, 102, 300, 301, 102], [0] * 7, 0, [1], [204], [], [])
    for _ in range(2):
        stats.add(short)
    stats.lengths[128] += 99999          # the full-length bin, as if added one by one
    stats.add(full)
    stats.predictions[20] += 99999
    return stats


def _dynamic_stats(sizes=(1, 2, 3, 5, 9, 23)):
    stats = DatasetStats(MASK_ID)
    word_ids = [-1] + [group for group, size in enumerate(sizes) for _ in range(size)] + [-1]
    stats.add(TrainingInstance([101] + [200] * (len(word_ids) - 2) + [102], [0] * len(word_ids), 0,
                               [], [], word_ids, []))
    return stats


def _page(*reports):
    return render('Pretraining data in out', list(reports), '2026-01-02 03:04 UTC')


def _static_page(**manifest_args):
    examples = [['example 1 (next sentence label 0)', '  tokens: [CLS] 今 [MASK→天] [SEP] ' + EVIL]]
    return _page(DatasetReport('seq128', _manifest(**manifest_args), _static_stats(), [], examples))


class _Charts(HTMLParser):
    """Per chart: its title, and (label, count, height) of each column."""

    def __init__(self):
        super().__init__()
        self.charts, self._open, self._rect = {}, [], None

    def handle_starttag(self, tag, attrs):
        self._open.append(tag)
        if tag == 'rect' and 'height' in dict(attrs):
            self._rect = float(dict(attrs)['height'])

    def handle_endtag(self, tag):
        self._open.pop()

    def handle_data(self, data):
        if self._open[-2:] == ['svg', 'title']:
            self._title = data
            self.charts[data] = []
        elif self._open[-2:] == ['rect', 'title']:
            label, count = data.rsplit(': ', 1)
            self.charts[self._title].append((label, int(count.replace(',', '')), self._rect))


def _charts(page):
    charts = _Charts()
    charts.feed(page)
    return charts.charts


def test_the_length_histogram_has_a_log_axis_that_shows_a_small_bin():
    page = _static_page()
    columns = _charts(page)['Sequence lengths (tokens, [CLS] and [SEP] included)']
    heights = {label: (count, height) for label, count, height in columns}
    assert heights['4'][0] == 2 and heights['128'][0] == 100000
    assert heights['4'][1] > 10 and heights['128'][1] == max(h for _, h in heights.values())
    assert heights['32'] == (0, 0)
    assert 'instances (log scale)' in page


def test_predictions_per_instance_has_a_column_for_every_count():
    columns = _charts(_static_page())['Predictions per instance (masked positions)']
    assert [label for label, _, _ in columns] == [str(n) for n in range(21)]
    counts = {label: count for label, count, _ in columns}
    assert counts['1'] == 2 and counts['20'] == 100000 and counts['5'] == 0


def test_group_sizes_are_every_size_up_to_a_last_column_for_the_tail():
    page = _page(DatasetReport('dyn', _manifest('dynamic'), _dynamic_stats(), []))
    columns = _charts(page)['Whole-word groups (dynamic masking: the trainer masks whole groups)']
    assert [(label, count) for label, count, _ in columns] == [
        ('1', 1), ('2', 1), ('3', 1), ('4', 0), ('5', 1), ('6', 0), ('7', 0), ('8', 0), ('9', 1),
        ('10+', 1)]
    assert 'the last: 10 or more' in page


def test_no_chart_has_a_single_bar():
    page = _static_page()   # one source, one static dataset
    charts = _charts(page)
    assert 'Tokens per source' not in charts and 'Masked share of tokens per strategy' not in charts
    assert 'Tokens per source: news.txt, 200,000' in page
    assert 'Masked share of tokens per strategy: wwm (seq128), ' in page
    assert all(len(columns) != 1 for columns in charts.values())
    assert page.count('<svg') == len(charts)
    two = _static_page(sources=('a.txt', 'b.txt'))
    assert 'Tokens per source' in _charts(two)


def test_masked_positions_say_random_as_the_docs_do():
    page = _static_page()
    assert '>random</text>' in page and 'other token' not in page


def test_the_page_says_what_made_the_data_and_when():
    page = _static_page()
    for text in ('9.8.7', 'Apache Beam', '2.77.0', 'DirectRunner', 'jieba', 'vocab.txt', '21,128',
                 'ab' * 32, 'Report made 2026-01-02 03:04 UTC', 'The options the run used (5)',
                 '<td>max_seq_length</td><td>128</td>'):
        assert text in page, text


def test_documents_read_dropped_with_shares_and_kept():
    cells = re.sub(r'\s+', ' ', re.sub(r'<[^>]+>', ' ', _static_page()))
    for row in ('documents read 1,000', 'dropped: too_short 75 7.5%',
                'dropped: exact_duplicate 25 2.5%', 'documents kept 900 90.0%'):
        assert row in cells, row
    assert 'No document was dropped.' in _static_page(dropped={})


def test_the_unknown_token_rate():
    page = _static_page()
    assert '[UNK] rate: 0.73% of tokens (1,460 of 200,000)' in page and '缫 (2)' in page


def test_decoded_examples_show_masked_positions():
    page = _static_page()
    assert '<mark>[MASK→天]</mark>' in page and 'example 1 (next sentence label 0)' in page


def test_all_text_is_escaped_and_the_page_has_no_script():
    page = _static_page()
    assert '<script' not in page and '&lt;script&gt;' in page
    assert page.count('&lt;script&gt;') >= 2          # the example's text and the option's value
    assert 'src=' not in page and 'http' not in page.replace('http://www.w3.org/2000/svg', '')
