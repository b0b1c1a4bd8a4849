"""The inspection report: one self-contained HTML page (inline SVG, no script, no fetch).

One section per dataset (an output directory may hold several, e.g. seq128/ and seq512/): what was
verified, what made it (software, vocab, segmenter, every option), the documents read, dropped and
kept, the [UNK] rate, decoded examples, then plots of sequence lengths, tokens per source, how
tokens were masked (predictions per instance) or the whole-word group sizes. Every text that comes
from the data or the options is escaped.
"""
import json
import re
from html import escape
from typing import List, NamedTuple

from schemas.manifest import tokens_by_source
from wwm.report.stats import DatasetStats
from wwm.report.svg_charts import bar_chart, column_chart

_STYLE = ('body{font-family:sans-serif;margin:2em;max-width:60em}'
          'table{border-collapse:collapse;margin:.5em 0}'
          'td,th{border:1px solid #ccc;padding:2px 8px;text-align:left;vertical-align:top}'
          'td.n{text-align:right}.bad{color:#b00}.good{color:#070}figure{margin:1em 0}'
          'pre{white-space:pre-wrap;word-break:break-all}mark{background:#fd8}')
# How a masked position was written, named as docs/masking.md names the 80/10/10 split.
_MASK_KINDS = (('mask', '[MASK]'), ('replaced', 'random'), ('kept', 'kept'))
# Whole-word group sizes get a column each up to this one, which holds it and every larger size.
GROUP_SIZE_CAP = 10
# A masked position in a decoded example: [written→original].
_MASKED = re.compile(r'\[[^\s\[\]]*→[^\s\[\]]*\]')


class DatasetReport(NamedTuple):
    name: str               # the dataset's folder, relative to the inspected directory
    manifest: dict
    stats: DatasetStats     # gathered from one format's shards
    problems: List[str]     # verification failures
    examples: List[List[str]] = []   # decoded instances, as inspect prints them: lines each


def _percent(value: float) -> str:
    return '%.1f%%' % (100 * value)


def _count(value) -> str:
    return '{:,}'.format(value)


def _table(header, rows) -> str:
    """A table of escaped cells; numbers right-aligned."""
    def cell(tag, value):
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        text = _count(value) if isinstance(value, int) and number else str(value)
        return '<%s%s>%s</%s>' % (tag, ' class="n"' if number else '', escape(text), tag)
    head = ''.join(cell('th', name) for name in header)
    body = ''.join('<tr>%s</tr>' % ''.join(cell('td', value) for value in row) for row in rows)
    return '<table><tr>%s</tr>%s</table>' % (head, body)


def _length_histogram(report: DatasetReport) -> str:
    max_length = report.manifest['options']['max_seq_length']
    width = max(1, -(-max_length // 32))
    bins = [0] * (-(-(max_length + 1) // width))
    for length, count in report.stats.lengths.items():
        bins[min(length, max_length) // width] += count
    labels = [str(index * width) for index in range(len(bins))]
    return column_chart('Sequence lengths (tokens, [CLS] and [SEP] included)', labels, bins,
                        'tokens per instance (bin start, width %d)' % width, 'instances')


def group_size_bins(group_sizes: dict) -> tuple:
    """(labels, counts): one column per size from 1, empty sizes included, so the axis is linear;
    sizes from GROUP_SIZE_CAP up share the last column, labelled 'N+'."""
    largest = max(group_sizes, default=1)
    last = min(largest, GROUP_SIZE_CAP)
    counts = [group_sizes.get(size, 0) for size in range(1, last)]
    counts.append(sum(count for size, count in group_sizes.items() if size >= last))
    labels = [str(size) for size in range(1, last)]
    labels.append('%d+' % last if largest > last else str(last))
    return labels, counts


def _predictions_chart(report: DatasetReport) -> str:
    """Masked positions per instance, every count from 0 to the most in any instance."""
    predictions = report.stats.predictions
    most = max(predictions, default=0)
    return column_chart('Predictions per instance (masked positions)', range(most + 1),
                        [predictions.get(count, 0) for count in range(most + 1)],
                        'masked positions in the instance', 'instances')


def _masking_charts(report: DatasetReport) -> list:
    stats = report.stats
    if report.manifest['masking'] == 'dynamic':
        labels, counts = group_size_bins(stats.group_sizes)
        tail = ', the last: %s or more' % labels[-1][:-1] if labels[-1].endswith('+') else ''
        return [column_chart('Whole-word groups (dynamic masking: the trainer masks whole groups)',
                             labels, counts, 'tokens per group (a column per size%s)' % tail, 'groups')]
    total = sum(stats.masked.values()) or 1
    return [bar_chart('Masked positions (%s of tokens, strategy %s), as written'
                      % (_percent(stats.masked_share()), report.manifest['options'].get('mask_strategy')),
                      [label for _, label in _MASK_KINDS],
                      [stats.masked[kind] / total for kind, _ in _MASK_KINDS], _percent),
            _predictions_chart(report)]


def _named_bars(title: str, counts: dict, empty: str) -> str:
    if not counts:
        return '<p>%s</p>' % escape(empty)
    names = sorted(counts, key=lambda name: (-counts[name], name))
    return bar_chart(title, names, [counts[name] for name in names])


def _shard_table(manifest: dict) -> str:
    return _table(('format', 'compression', 'shards', 'records', 'bytes'), [
        (name, layout['compression'], len(layout['shards']),
         sum(s['records'] for s in layout['shards']), sum(s['num_bytes'] for s in layout['shards']))
        for name, layout in manifest['formats'].items()])


def _provenance(manifest: dict) -> str:
    """What made the dataset: software versions, runner, vocab, segmenter."""
    software = manifest.get('software', {})
    vocab = manifest.get('vocab', {})
    options = manifest['options']
    kernels = software.get('native_kernels') or {}
    segmenter = options.get('segmenter', 'not recorded')
    if options.get('segmenter_model'):
        segmenter = '%s (model %s)' % (segmenter, options['segmenter_model'])
    return _table(('made with', ''), [
        ('zh-wwm-data', software.get('zh_wwm_data') or 'not recorded (an uninstalled checkout)'),
        ('Apache Beam', software.get('apache_beam', 'not recorded')),
        ('runner', software.get('runner', 'not recorded')),
        ('C kernels', ', '.join('%s %s' % (name, 'yes' if ran else 'no (Python)')
                                for name, ran in sorted(kernels.items())) or 'not recorded'),
        ('segmenter', segmenter),
        ('user dictionary', options.get('user_dict') or 'none'),
        ('vocab source', vocab.get('source', 'not recorded')),
        ('vocab size', vocab.get('size', 'not recorded')),
        ('vocab sha256', vocab.get('sha256', 'not recorded'))])


def _options(manifest: dict) -> str:
    """Every option the run used, as recorded, in a closed <details> (no script needed)."""
    rows = [(name, json.dumps(value, ensure_ascii=False)) for name, value in manifest['options'].items()]
    return '<details><summary>The options the run used (%d)</summary>%s</details>' % (
        len(rows), _table(('option', 'value'), rows))


def _documents(manifest: dict) -> str:
    """Documents read, each drop reason with its count and share of those read, documents kept."""
    counts, dropped = manifest['counts'], manifest['dropped']
    read = counts.get('documents_read')
    def share(count):
        return _percent(count / read) if read else ''
    rows = [('documents read', read if read is not None else 'not recorded', '')]
    rows += [('dropped: %s' % reason, count, share(count)) for reason, count in dropped.items()]
    if not dropped:
        rows.append(('dropped', 0, share(0)))
    kept = counts.get('documents_kept')
    rows.append(('documents kept', kept if kept is not None else 'not recorded',
                 share(kept) if kept is not None else ''))
    note = '' if dropped else '<p>No document was dropped.</p>'
    return note + _table(('documents', 'count', 'share of documents read'), rows)


def _unknown(manifest: dict) -> str:
    """The [UNK] rate and the characters most often behind an [UNK]."""
    counts = manifest['counts']
    if 'unknown_tokens' not in counts or not counts.get('tokens'):
        return '<p>[UNK] rate: not recorded in this manifest.</p>'
    unknown, tokens = counts['unknown_tokens'], counts['tokens']
    characters = ', '.join('%s (%s)' % (char, _count(count))
                           for char, count in manifest.get('unknown_characters', []))
    return '<p>[UNK] rate: %s of tokens (%s of %s)%s</p>' % (
        escape('%.2f%%' % (100 * unknown / tokens)), _count(unknown), _count(tokens),
        escape('; most often behind one: ' + characters) if characters else '')


def _examples(report: DatasetReport) -> str:
    """Decoded instances as inspect prints them, masked positions [written→original] marked."""
    if not report.examples:
        return '<p>No example decoded (inspect --examples 0, or a shard did not verify).</p>'
    blocks = ''.join('<pre>%s</pre>' % _MASKED.sub(lambda m: '<mark>%s</mark>' % m.group(0),
                                                   escape('\n'.join(lines), quote=False))
                     for lines in report.examples)
    legend = ('masked positions as [written→original]' if report.manifest['masking'] == 'static'
              else 'tokens grouped into whole words, and the chinese_ref positions')
    return '<h3>Decoded examples</h3><p>%s</p>%s' % (escape(legend), blocks)


def _section(report: DatasetReport) -> str:
    manifest, stats = report.manifest, report.stats
    verdict = ('<p class="bad">%s</p>' % '<br>'.join(escape(p) for p in report.problems)
               if report.problems else '<p class="good">every shard matches the manifest</p>')
    facts = ('<p>masking %s, strategy %s, max_seq_length %d; %s instances, %s tokens, '
             'next-sentence label 1 in %s</p>' % (
                 escape(manifest['masking']), escape(str(manifest['options'].get('mask_strategy'))),
                 manifest['options']['max_seq_length'], _count(stats.instances), _count(stats.tokens),
                 _percent(stats.positive_labels / stats.instances if stats.instances else 0)))
    figures = [_length_histogram(report),
               _named_bars('Tokens per source', tokens_by_source(manifest),
                           'The manifest has no per-source token counts.')] + _masking_charts(report)
    return '<section><h2>%s</h2>%s%s%s%s%s%s%s%s%s</section>' % (
        escape(report.name), verdict, facts, _shard_table(manifest), _provenance(manifest),
        _options(manifest), _documents(manifest), _unknown(manifest), _examples(report),
        ''.join('<figure>%s</figure>' % figure for figure in figures))


def _overview(reports: list) -> str:
    static = [r for r in reports if r.manifest['masking'] == 'static']
    if not static:
        return ''
    return '<figure>%s</figure>' % bar_chart(
        'Masked share of tokens per strategy',
        ['%s (%s)' % (r.manifest['options'].get('mask_strategy'), r.name) for r in static],
        [r.stats.masked_share() for r in static], _percent)


def render(title: str, reports: list, made: str) -> str:
    """The page; ``made``: when the report was made, as the reader should see it."""
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>%s</title><style>%s</style>'
            '</head><body><h1>%s</h1><p>Report made %s.</p>%s%s</body></html>\n' % (
                escape(title), _STYLE, escape(title), escape(made), _overview(reports),
                ''.join(_section(report) for report in reports)))
