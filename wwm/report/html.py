"""The inspection report: one self-contained HTML page (inline SVG, no script, no fetch).

One section per dataset (an output directory may hold several, e.g. seq128/ and seq512/): what was
verified, then plots of sequence lengths, tokens per source, how tokens were masked and which
documents were dropped and why.
"""
from html import escape
from typing import List, NamedTuple

from schemas.manifest import tokens_by_source
from wwm.report.stats import DatasetStats
from wwm.report.svg_charts import bar_chart, column_chart

_STYLE = ('body{font-family:sans-serif;margin:2em;max-width:60em}'
          'table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}'
          '.bad{color:#b00}.good{color:#070}figure{margin:1em 0}')
_MASK_KINDS = (('mask', '[MASK]'), ('replaced', 'other token'), ('kept', 'kept'))


class DatasetReport(NamedTuple):
    name: str               # the dataset's folder, relative to the inspected directory
    manifest: dict
    stats: DatasetStats     # gathered from one format's shards
    problems: List[str]     # verification failures


def _percent(value: float) -> str:
    return '%.1f%%' % (100 * value)


def _length_histogram(report: DatasetReport) -> str:
    max_length = report.manifest['options']['max_seq_length']
    width = max(1, -(-max_length // 32))
    bins = [0] * (-(-(max_length + 1) // width))
    for length, count in report.stats.lengths.items():
        bins[min(length, max_length) // width] += count
    labels = [str(index * width) for index in range(len(bins))]
    return column_chart('Sequence lengths (tokens, [CLS] and [SEP] included)', labels, bins,
                        'tokens per instance (bin start, width %d)' % width, 'instances')


def _masking_chart(report: DatasetReport) -> str:
    stats = report.stats
    if report.manifest['masking'] == 'dynamic':
        sizes = sorted(stats.group_sizes)
        return column_chart('Whole-word groups (dynamic masking: the trainer masks whole groups)',
                            [str(s) for s in sizes], [stats.group_sizes[s] for s in sizes],
                            'tokens per group', 'groups')
    total = sum(stats.masked.values()) or 1
    return bar_chart('Masked positions (%s of tokens, strategy %s), as written'
                     % (_percent(stats.masked_share()), report.manifest['options'].get('mask_strategy')),
                     [label for _, label in _MASK_KINDS],
                     [stats.masked[kind] / total for kind, _ in _MASK_KINDS], _percent)


def _named_bars(title: str, counts: dict, empty: str) -> str:
    if not counts:
        return '<p>%s</p>' % escape(empty)
    names = sorted(counts, key=lambda name: (-counts[name], name))
    return bar_chart(title, names, [counts[name] for name in names])


def _shard_table(manifest: dict) -> str:
    rows = ''.join('<tr><td>%s</td><td>%s</td><td>%d</td><td>%s</td><td>%s</td></tr>' % (
        escape(name), escape(layout['compression']), len(layout['shards']),
        '{:,}'.format(sum(s['records'] for s in layout['shards'])),
        '{:,}'.format(sum(s['num_bytes'] for s in layout['shards'])))
        for name, layout in manifest['formats'].items())
    return ('<table><tr><th>format</th><th>compression</th><th>shards</th><th>records</th>'
            '<th>bytes</th></tr>%s</table>' % rows)


def _section(report: DatasetReport) -> str:
    manifest, stats = report.manifest, report.stats
    verdict = ('<p class="bad">%s</p>' % '<br>'.join(escape(p) for p in report.problems)
               if report.problems else '<p class="good">every shard matches the manifest</p>')
    facts = ('<p>masking %s, strategy %s, max_seq_length %d; %s instances, %s tokens, '
             'next-sentence label 1 in %s</p>' % (
                 escape(manifest['masking']), escape(str(manifest['options'].get('mask_strategy'))),
                 manifest['options']['max_seq_length'], '{:,}'.format(stats.instances),
                 '{:,}'.format(stats.tokens),
                 _percent(stats.positive_labels / stats.instances if stats.instances else 0)))
    figures = [_length_histogram(report),
               _named_bars('Tokens per source', tokens_by_source(manifest),
                           'The manifest has no per-source token counts.'),
               _masking_chart(report),
               _named_bars('Documents dropped, by reason', manifest['dropped'], 'No document was dropped.')]
    return '<section><h2>%s</h2>%s%s%s%s</section>' % (
        escape(report.name), verdict, facts, _shard_table(manifest),
        ''.join('<figure>%s</figure>' % figure for figure in figures))


def _overview(reports: list) -> str:
    static = [r for r in reports if r.manifest['masking'] == 'static']
    if not static:
        return ''
    return '<figure>%s</figure>' % bar_chart(
        'Masked share of tokens per strategy',
        ['%s (%s)' % (r.manifest['options'].get('mask_strategy'), r.name) for r in static],
        [r.stats.masked_share() for r in static], _percent)


def render(title: str, reports: list) -> str:
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>%s</title><style>%s</style>'
            '</head><body><h1>%s</h1>%s%s</body></html>\n' % (
                escape(title), _STYLE, escape(title), _overview(reports),
                ''.join(_section(report) for report in reports)))
