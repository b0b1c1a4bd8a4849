"""Two small chart kinds as inline SVG, so the inspection report is one file with no dependency.

Horizontal bars for named quantities (tokens per source, documents dropped by reason, shares) and
columns for histograms (sequence lengths, word group sizes).
"""
from html import escape

_WIDTH = 680
_BAR_COLOR = '#4e79a7'
_FONT = 'font-family="sans-serif" font-size="12"'


def _svg(height: int, title: str, body: list) -> str:
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img">'
            '<title>%s</title><text x="0" y="16" %s font-weight="bold">%s</text>%s</svg>'
            % (_WIDTH, height, escape(title), _FONT, escape(title), ''.join(body)))


def bar_chart(title: str, labels, values, value_text=lambda value: '{:,}'.format(value)) -> str:
    """One horizontal bar per label, longest bar = largest value, each with its value written."""
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


def column_chart(title: str, labels, values, x_title: str, y_title: str) -> str:
    """Vertical columns (a histogram): labels under every few columns, the largest value on the axis."""
    left, bottom, height = 60, 230, 190
    columns = max(len(values), 1)
    step = (_WIDTH - left - 10) / columns
    top = max(values, default=0) or 1
    body = ['<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>' % (left, bottom, _WIDTH - 10, bottom),
            '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>' % (left, bottom, left, bottom - height),
            '<text x="%d" y="%d" %s text-anchor="end">%s</text>'
            % (left - 4, bottom - height + 10, _FONT, '{:,}'.format(top)),
            '<text x="%d" y="%d" %s text-anchor="end">0</text>' % (left - 4, bottom, _FONT),
            '<text x="%d" y="%d" %s text-anchor="middle">%s</text>'
            % ((left + _WIDTH) // 2, bottom + 34, _FONT, escape(x_title)),
            '<text x="14" y="%d" %s transform="rotate(-90 14 %d)" text-anchor="middle">%s</text>'
            % (bottom - height // 2, _FONT, bottom - height // 2, escape(y_title))]
    every = max(1, columns // 10)
    for index, (label, value) in enumerate(zip(labels, values)):
        x = left + index * step
        column = height * value / top
        body.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s</title></rect>'
                    % (x + 1, bottom - column, max(step - 2, 1), column, _BAR_COLOR, escape(str(label)),
                       '{:,}'.format(value)))
        if index % every == 0:
            body.append('<text x="%.1f" y="%d" %s text-anchor="middle">%s</text>'
                        % (x + step / 2, bottom + 16, _FONT, escape(str(label))))
    return _svg(bottom + 44, title, body)
