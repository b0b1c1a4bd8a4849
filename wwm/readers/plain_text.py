"""Plain text: one sentence or paragraph a line, a blank line between documents."""
from wwm.readers.input_file import Line


def read(source):
    paragraphs = []
    count = 0
    for line in source.lines():
        if not isinstance(line, Line):
            yield line
        elif line.text.strip():
            paragraphs.append(line.text)
        elif paragraphs:
            yield source.document(count, '\n'.join(paragraphs))
            count += 1
            paragraphs = []
    if paragraphs:
        yield source.document(count, '\n'.join(paragraphs))
