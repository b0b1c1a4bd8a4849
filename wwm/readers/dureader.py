"""DuReader-style JSON lines: one search question a line with its retrieved web documents.

A document is the question, then its reference answers, then the paragraphs of every retrieved web
page in order (page titles are left out: they are mostly "..._百度知道"-style site names). The
pre-segmented ``segmented_*`` fields are ignored. Document ``N`` is line ``N`` (element ``N`` of a
file that is one JSON array of such records).
"""
from wwm.readers.json_lines import read_objects


def _text(record: dict):
    question = record.get('question')
    if not isinstance(question, str):
        return None
    parts = [question]
    parts += [a for a in record.get('answers') or [] if isinstance(a, str)]
    for page in record.get('documents') or []:
        if isinstance(page, dict):
            parts += [p for p in page.get('paragraphs') or [] if isinstance(p, str)]
    return '\n'.join(parts)


def read(source):
    return read_objects(source, _text)
