"""Two small chart kinds as inline SVG, so the inspection report is one file with no dependency.

Horizontal bars for named quantities (tokens per source, shares) and columns for histograms
(sequence lengths, word group sizes, predictions per instance). A chart that would hold one bar
says its value in a sentence instead: a lone bar fills the width whatever its value and shows
nothing a number does not.
"""
import math
from html import escape

_WIDTH = 680
_BAR_COLOR = '#4e79a7'
_FONT = 'font-family="sans-serif" font-size="12"'


def _count(value) -> str:
    return '{:,}'.format(value)


def _svg(height: int, title: str, body: list) -> str:
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img">'
            '<title>%s</title><text x="0" y="16" %s font-weight="bold">%s</text>%s</svg>'
            % (_WIDTH, height, escape(title), _FONT, escape(title), ''.join(body)))


def one_value(title: str, label, value_text: str) -> str:
    """The sentence that stands for a chart of one bar."""
    return '<p class="one-value">%s: %s, %s</p>' % (escape(title), escape(str(label)),
                                                    escape(value_text))


def bar_chart(title: str, labels, values, value_text=_count) -> str:
    """One horizontal bar per label, longest bar = largest value, each with its value written."""
    labels, values = list(labels), list(values)
    if len(values) == 1:
        return one_value(title, labels[0], value_text(values[0]))
    label_width, bar_width, row = 220, _WIDTH - 320, 22
    top = max(values, default=0) or 1
    body = []
    for index, (label, value) in enumerate(zip(labels, values)):
        y = 28 + index * row
        width = bar_width * value / top
        body.append('<text x="%d" y="%d" %s text-anchor="end">%s</text>'
                    % (label_width - 6, y + 14, _FONT, escape(str(label))))
        body.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>'
                    % (label_width, y + 3, width, row - 6, _BAR_COLOR))
        body.append('<text x="%.1f" y="%d" %s>%s</text>'
                    % (label_width + width + 4, y + 14, _FONT, escape(value_text(value))))
    return _svg(36 + len(values) * row, title, body)


def log_height(value: int, top: int, height: float) -> float:
    """A column's height on a log(1 + count) axis: 0 for 0, visible for 1 beside a million."""
    return height * math.log10(1 + value) / math.log10(1 + max(top, 1))


def _log_axis(left: int, bottom: int, height: int, top: int) -> list:
    """Grid lines and labels at 1, 10, 100, ... up to the largest count."""
    body, tick = [], 1
    while tick <= max(top, 1):
        y = bottom - log_height(tick, top, height)
        body.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (left, y, _WIDTH - 10, y))
        body.append('<text x="%d" y="%.1f" %s text-anchor="end">%s</text>'
                    % (left - 4, y + 4, _FONT, _count(tick)))
        tick *= 10
    return body


def column_chart(title: str, labels, values, x_title: str, y_title: str) -> str:
    """Vertical columns (a histogram) on a logarithmic count axis, so a bin of a few instances
    stays visible beside the full-length bin; each column's exact count is its tooltip."""
    labels, values = list(labels), list(values)
    if len(values) == 1:
        return one_value(title, labels[0], '%s %s' % (_count(values[0]), y_title))
    left, bottom, height = 60, 230, 190
    step = (_WIDTH - left - 10) / max(len(values), 1)
    top = max(values, default=0)
    middle = bottom - height // 2
    body = _log_axis(left, bottom, height, top) + [
        '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>' % (left, bottom, _WIDTH - 10, bottom),
        '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>' % (left, bottom, left, bottom - height),
        '<text x="%d" y="%d" %s text-anchor="end">0</text>' % (left - 4, bottom + 4, _FONT),
        '<text x="%d" y="%d" %s text-anchor="middle">%s</text>'
        % ((left + _WIDTH) // 2, bottom + 34, _FONT, escape(x_title)),
        '<text x="14" y="%d" %s transform="rotate(-90 14 %d)" text-anchor="middle">%s (log scale)</text>'
        % (middle, _FONT, middle, escape(y_title))]
    every = max(1, len(values) // 10)
    for index, (label, value) in enumerate(zip(labels, values)):
        x = left + index * step
        column = log_height(value, top, height)
        body.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s</title></rect>'
                    % (x + 1, bottom - column, max(step - 2, 1), column, _BAR_COLOR,
                       escape(str(label)), _count(value)))
        if index % every == 0 or index == len(values) - 1:
            body.append('<text x="%.1f" y="%d" %s text-anchor="middle">%s</text>'
                        % (x + step / 2, bottom + 16, _FONT, escape(str(label))))
    return _svg(bottom + 44, title, body)
