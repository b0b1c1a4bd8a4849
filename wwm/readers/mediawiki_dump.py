"""Raw MediaWiki XML dumps (``pages-articles*.xml``, usually ``.bz2``): one document per article.

The dump is parsed as a stream with expat (callbacks, nothing kept but the current page; expat also
gives exact byte offsets for reports), fed ``CHUNK_BYTES`` at a time. Every ``<page>`` is a record,
numbered from 0 in file order; pages that are not articles are dropped with a reason:
``not_main_namespace`` (``<ns>`` other than 0: templates, categories, talk pages...), ``redirect``,
``disambiguation``, ``record_too_long`` (wikitext over ``max_line_bytes``). An article's text is its
title line, a blank line, then ``wikitext_to_text`` of its wikitext. Malformed XML ends the file
there: the pages before are kept and the rest is one ``malformed_xml`` record at expat's offset.
"""
from typing import List, Optional
from xml.parsers import expat

from wwm.readers.wikitext import REDIRECT, is_disambiguation, wikitext_to_text

CHUNK_BYTES = 1 << 20
_FIELDS = ('title', 'ns', 'id', 'text')


class _Page:
    def __init__(self, offset: int):
        self.offset = offset
        self.fields = {}
        self.redirect = False
        self.too_long = False


class _PageCollector:
    """expat callbacks that turn the element stream into finished ``_Page``s."""

    def __init__(self, parser, max_bytes: int):
        self._parser = parser
        self._max_bytes = max_bytes
        self._depth = 0
        self._page: Optional[_Page] = None
        self._page_depth = 0
        self._field: Optional[str] = None
        self._parts: List[str] = []
        self._size = 0
        self.finished: List[_Page] = []
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.characters

    def start(self, name, attributes):
        self._depth += 1
        if name == 'page':
            self._page, self._page_depth = _Page(self._parser.CurrentByteIndex), self._depth
        elif self._page is None:
            return
        elif name == 'redirect':
            self._page.redirect = True
        elif name in _FIELDS and name not in self._page.fields and (
                name == 'text' or self._depth == self._page_depth + 1):
            self._field, self._parts, self._size = name, [], 0

    def end(self, name):
        self._depth -= 1
        if self._field == name:
            self._page.fields[name] = ''.join(self._parts)
            self._field, self._parts = None, []
        elif name == 'page' and self._page is not None:
            self.finished.append(self._page)
            self._page = None

    def characters(self, data):
        if self._field is None:
            return
        self._size += len(data)
        if self._size > self._max_bytes:
            self._page.too_long = True
            self._parts = []
        else:
            self._parts.append(data)


def _records(source, number: int, page: _Page):
    """The page's Document (or its pieces), or the Dropped record saying why it is none."""
    title = page.fields.get('title', '')
    wikitext = page.fields.get('text', '')
    sample = '%s\n%s' % (title, wikitext)
    reason = None
    if page.fields.get('ns', '0').strip() != '0':
        reason = 'not_main_namespace'
    elif page.too_long:
        reason = 'record_too_long'
    elif page.redirect or REDIRECT.match(wikitext):
        reason = 'redirect'
    elif is_disambiguation(title, wikitext):
        reason = 'disambiguation'
    if reason:
        yield source.dropped(reason, number, sample, page.offset)
    else:
        yield from source.documents(number, '%s\n\n%s' % (title, wikitext_to_text(wikitext)))


def read(source):
    parser = expat.ParserCreate()
    parser.buffer_text = True
    collector = _PageCollector(parser, source.max_line_bytes)
    number = 0
    while True:
        chunk = source.stream.read(CHUNK_BYTES)
        try:
            parser.Parse(chunk, not chunk)
        except expat.ExpatError as error:
            failure = source.dropped('malformed_xml', '@%d' % parser.ErrorByteIndex,
                                     str(error), parser.ErrorByteIndex)
        else:
            failure = None
        for page in collector.finished:
            yield from _records(source, number, page)
            number += 1
        collector.finished.clear()
        if failure is not None:
            yield failure
            return
        if not chunk:
            return
