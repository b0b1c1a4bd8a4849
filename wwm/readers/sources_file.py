"""The ``--sources`` file: several inputs, each with its own format, encoding, text field and
up-sampling weight. YAML, either a list of entries or ``{sources: [entries]}``::

    sources:
      - path: wiki/zhwiki-*-pages-articles*.xml.bz2   # a file or a glob; relative to this file
        format: wiki_xml                             # default: --input_format
        weight: 1
      - path: news/sogou/*.dat
        format: sogou
        encoding: gb18030                            # default: --input_encoding
        weight: 2.5                                  # 2 copies, and a 3rd for half the documents
      - path: qa/*.jsonl.gz
        format: jsonl
        text_field: content                          # default: --text_field

Parsing is kept free of Beam and file systems: the job reads the file and matches the globs.
"""
from typing import List

import yaml

from schemas.sources import FORMATS, ReadSpec, SourceEntry
from wwm.readers.encodings import normalize_encoding

KEYS = ('path', 'format', 'encoding', 'text_field', 'weight')


def _entry(number: int, raw, defaults: ReadSpec) -> SourceEntry:
    where = 'source %d' % number
    if not isinstance(raw, dict):
        raise ValueError('%s is not a mapping of %s' % (where, ', '.join(KEYS)))
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise ValueError('%s: unknown key(s) %s (allowed: %s)' % (where, ', '.join(map(str, unknown)),
                                                                  ', '.join(KEYS)))
    if not isinstance(raw.get('path'), str) or not raw['path'].strip():
        raise ValueError('%s: "path" (a file or glob) is required' % where)
    fmt = str(raw.get('format', defaults.format))
    if fmt not in FORMATS:
        raise ValueError('%s: unknown format %r (choose from %s)' % (where, fmt, ', '.join(FORMATS)))
    weight = raw.get('weight', 1.0)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight < 1e6:
        raise ValueError('%s: weight must be a number >= 0, got %r' % (where, weight))
    spec = defaults._replace(format=fmt,
                             encoding=normalize_encoding(str(raw.get('encoding', defaults.encoding))),
                             text_field=str(raw.get('text_field', defaults.text_field)))
    return SourceEntry(raw['path'].strip(), spec, float(weight))


def parse_sources(text: str, defaults: ReadSpec) -> List[SourceEntry]:
    """The entries of a sources file; ValueError with a one-line message when it is not valid."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError('not valid YAML: %s' % ' '.join(str(error).split())) from None
    entries = document.get('sources') if isinstance(document, dict) else document
    if not isinstance(entries, list) or not entries:
        raise ValueError('expected a non-empty list of sources (or "sources:" with one)')
    return [_entry(number, raw, defaults) for number, raw in enumerate(entries, 1)]
