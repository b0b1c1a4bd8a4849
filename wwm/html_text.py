"""HTML (and MediaWiki extension) tags, comments and character entities, removed from text.

Only tags whose name is a known HTML or MediaWiki element are removed, so text such as ``x<y>z``,
``<三国演义>`` or ``a < b`` survives. The content of ``script``, ``style`` and of tags that hold no
prose (references, formulas, timelines) goes with its tags; block tags (``<br>``, ``<p>``,
``<li>``...) become line breaks, since downstream a line break ends a sentence. Entities are decoded
only in their terminated form (``&amp;``, ``&#20013;``, ``&#x4e2d;``): ``html.unescape`` alone would
also turn ``&copy`` inside ``?a=1&copy=2`` into ``©``. Decoding runs twice for double-escaped dumps
(``&amp;lt;br&amp;gt;``), then tags are removed, so escaped tags go too.
"""
import html
import re
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
_NO_PROSE_ELEMENT = re.compile(r'<(%s)%s[^<>]*(?<!/)>[\s\S]*?</\1\s*>' % ('|'.join(_NO_PROSE), _END_OF_NAME),
                               re.I)
_BLOCK_TAG = re.compile(r'</?(?:%s)%s[^<>]*>' % ('|'.join(_BLOCK), _END_OF_NAME), re.I)
_INLINE_TAG = re.compile(r'</?(?:%s)%s[^<>]*>' % ('|'.join(_INLINE + _NO_PROSE), _END_OF_NAME), re.I)
_COMMENT = re.compile(r'<!--[\s\S]*?-->|<!\[CDATA\[|\]\]>|<!DOCTYPE[^<>]*>', re.I)
_ENTITY = re.compile(r'&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});')


def _decode_entity(match) -> str:
    decoded = html.unescape(match.group())
    # A reference to NUL, a surrogate or beyond U+10FFFF decodes to U+FFFD: drop it instead.
    return '' if decoded == '\ufffd' else decoded


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
    text, elements = _NO_PROSE_ELEMENT.subn('', text)
    text, comments = _COMMENT.subn('', text)
    text, blocks = _BLOCK_TAG.subn('\n', text)
    text, inline = _INLINE_TAG.subn('', text)
    return text, elements + comments + blocks + inline, entities
