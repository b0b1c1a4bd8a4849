r"""HTML (and MediaWiki extension) tags, comments and character entities, removed from text.

Only tags whose name is a known HTML or MediaWiki element are removed, so text such as ``x<y>z``,
``<三国演义>`` or ``a < b`` survives. The content of ``script``, ``style`` and of tags that hold no
prose (references, formulas, timelines) goes with its tags; block tags (``<br>``, ``<p>``,
``<li>``...) become line breaks, since downstream a line break ends a sentence. Entities are decoded
only in their terminated form (``&amp;``, ``&#20013;``, ``&#x4e2d;``): ``html.unescape`` alone would
also turn ``&copy`` inside ``?a=1&copy=2`` into ``©``. Decoding runs twice for double-escaped dumps
(``&amp;lt;br&amp;gt;``), then tags are removed, so escaped tags go too.

Every pass is linear in the text, whatever it holds: an element or comment whose end never comes
(``<script>`` or ``<!--`` 20,000 times over) is found to have none once, not once per opening, as a
lazy regex ``<!--[\s\S]*?-->`` would do, rescanning the rest of the text from each opening.
"""
import html
import re
from array import array
from typing import Tuple

_BLOCK = ('address article aside blockquote body br center dd div dl dt figcaption figure footer '
          'form h1 h2 h3 h4 h5 h6 head header hr html li main nav ol p pre section table tbody td '
          'tfoot th thead title tr ul gallery poem references').split()
_INLINE = ('a abbr area audio b base bdi bdo big button canvas caption cite code col colgroup data '
           'del details dfn dialog em embed fieldset font i iframe img input ins kbd label legend '
           'link map mark meta noscript object optgroup option param picture q rp rt ruby s samp '
           'select small source span strike strong sub summary sup template textarea time track '
           'tt u var video wbr nowiki includeonly noinclude onlyinclude categorytree inputbox '
           'imagemap indicator mapframe score').split()
# Elements whose content is not prose: removed with their tags.
_NO_PROSE = 'script style ref math chem timeline graph syntaxhighlight templatestyles'.split()

_END_OF_NAME = r'(?=[\s/>])'
# A no-prose element runs from its opening tag (not self-closing) to the first closing tag of the
# same name after it; it is removed only if that closing tag exists.
_NO_PROSE_OPENING = re.compile(r'<(%s)%s[^<>]*(?<!/)>' % ('|'.join(_NO_PROSE), _END_OF_NAME), re.I)
_NO_PROSE_CLOSING = re.compile(r'</(%s)\s*>' % '|'.join(_NO_PROSE), re.I)
# Any tag; whether its name is an element's is a set lookup (an alternation of ~100 names tried at
# every "<" took 2 s on a megabyte of "<s"). Under re.I, [A-Za-z] also matches these four
# characters, which the names' letters match too: they are folded before the lookup.
_TAG = re.compile(r'</?([A-Za-z][A-Za-z0-9]*)%s[^<>]*>' % _END_OF_NAME, re.I)
_NAME_FOLD = str.maketrans({'\u0130': 'i', '\u0131': 'i', '\u017f': 's', '\u212a': 'k'})
_BLOCK_NAMES = frozenset(_BLOCK)
_INLINE_NAMES = frozenset(_INLINE + _NO_PROSE)
# A comment runs from ``<!--`` to the first ``-->`` after it (none: it is left as text); CDATA
# brackets and doctypes go on their own.
_COMMENT_OPENING = '<!--'
_COMMENT_END = '-->'
_COMMENT_OR_DECLARATION = re.compile(r'<!--|<!\[CDATA\[|\]\]>|<!DOCTYPE[^<>]*>', re.I)
_DECLARATION = re.compile(r'<!\[CDATA\[|\]\]>|<!DOCTYPE[^<>]*>', re.I)
_ENTITY = re.compile(r'&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});')


def _decode_entity(match) -> str:
    decoded = html.unescape(match.group())
    # A reference to NUL, a surrogate or beyond U+10FFFF decodes to U+FFFD: drop it instead.
    return '' if decoded == '\ufffd' else decoded


def _name_key(name: str) -> str:
    """``name`` as a regex backreference under ``re.IGNORECASE`` compares it: each character in its
    simple lowercase (``str.lower`` alone would turn U+0130 into two characters)."""
    return name.replace('\u0130', 'i').lower()


class ClosingTags:
    """The closing tags that ``pattern`` (group 1: the element's name) finds in ``text``, indexed by
    name, so that the end of each element is found without scanning the text again from its opening
    tag. Asked in increasing positions, all calls together take one pass over the index, which
    holds two integers a tag."""

    def __init__(self, pattern: re.Pattern, text: str):
        self._starts, self._ends, self._next = {}, {}, {}
        for match in pattern.finditer(text):
            key = _name_key(match.group(1))
            if key not in self._starts:
                self._starts[key], self._ends[key], self._next[key] = array('q'), array('q'), 0
            self._starts[key].append(match.start())
            self._ends[key].append(match.end())

    def end_after(self, name: str, position: int) -> int:
        """End of the first closing tag of ``name`` (case-insensitive) starting at or after
        ``position``, or -1 if there is none; the ones before are not looked at again."""
        key = _name_key(name)
        starts = self._starts.get(key, ())
        index = self._next.get(key, 0)
        while index < len(starts) and starts[index] < position:
            index += 1
        self._next[key] = index
        return self._ends[key][index] if index < len(starts) else -1


def _remove_no_prose_elements(text: str) -> Tuple[str, int]:
    """(text without the no-prose elements that have a closing tag, number removed)."""
    closings = ClosingTags(_NO_PROSE_CLOSING, text)
    pieces, kept_from = [], 0
    for opening in _NO_PROSE_OPENING.finditer(text):
        if opening.start() < kept_from:
            continue  # inside an element already removed
        end = closings.end_after(opening.group(1), opening.end())
        if end >= 0:
            pieces.append(text[kept_from:opening.start()])
            kept_from = end
    return ''.join(pieces) + text[kept_from:], len(pieces)


def _replace_tags(text: str, names: frozenset, replacement: str) -> Tuple[str, int]:
    """(``text`` with each tag of an element in ``names`` replaced, number replaced)."""
    pieces, kept_from = [], 0
    for tag in _TAG.finditer(text):
        if tag.group(1).translate(_NAME_FOLD).lower() in names:
            pieces.append(text[kept_from:tag.start()])
            kept_from = tag.end()
    return replacement.join(pieces + [text[kept_from:]]), len(pieces)


def _remove_comments(text: str) -> Tuple[str, int]:
    """(text without comments, CDATA brackets and doctypes, number removed). After one ``<!--``
    without an end, no later one has an end either: only declarations are looked for then."""
    pattern, pieces, kept_from, position = _COMMENT_OR_DECLARATION, [], 0, 0
    while True:
        found = pattern.search(text, position)
        if found is None:
            return ''.join(pieces) + text[kept_from:], len(pieces)
        end = found.end()
        if found.group() == _COMMENT_OPENING:
            end = text.find(_COMMENT_END, end)
            if end < 0:
                pattern, position = _DECLARATION, found.start() + 1
                continue
            end += len(_COMMENT_END)
        pieces.append(text[kept_from:found.start()])
        kept_from = position = end


def strip_html(text: str) -> Tuple[str, int, int]:
    """(text without HTML, number of tags and comments removed, number of entities decoded)."""
    entities = 0
    for _ in range(2):
        if '&' not in text:
            break
        text, count = _ENTITY.subn(_decode_entity, text)
        entities += count
    if '<' not in text:
        return text, 0, entities
    text, elements = _remove_no_prose_elements(text)
    text, comments = _remove_comments(text)
    text, blocks = _replace_tags(text, _BLOCK_NAMES, '\n')
    text, inline = _replace_tags(text, _INLINE_NAMES, '')
    return text, elements + comments + blocks + inline, entities
