"""THUCNews-style lines: ``label<TAB>text``, one article a line (the title is glued to the body).

The label (a news category) is not text and is left out; a non-blank line without a tab is dropped
as ``malformed_line``. Document ``N`` is line ``N``.
"""
from wwm.readers.input_file import Line


def read(source):
    for line in source.lines():
        if not isinstance(line, Line):
            yield line
        elif '\t' in line.text:
            yield from source.documents(line.number, line.text.split('\t', 1)[1])
        elif line.text.strip():
            yield source.dropped('malformed_line', line.number, line.text, line.offset)
