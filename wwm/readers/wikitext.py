"""MediaWiki wikitext to plain text, for pages of a raw ``pages-articles`` dump.

Written here rather than with mwparserfromhell: its ``strip_code()`` keeps category, file and
interlanguage link titles and table cells as text, so it would need the same clean-up passes on top,
and it was about 16x slower on our test pages (see docs/inputs.md). These passes follow what
WikiExtractor keeps: the prose of the article.

Kept: the text of paragraphs and list items, link labels (``[[a|b]]`` -> b, ``[[a]]`` -> a),
external link labels, the content of formatting tags (``<b>``, ``<span>``...), a few templates that
wrap text (``{{lang|en|x}}``, ``{{nowrap|x}}``, interlanguage-link templates).
Removed: other templates, tables, ``<ref>`` notes, comments, ``<math>``/``<gallery>``-like blocks,
category, file/image and interlanguage links, bold/italic quotes, heading lines, magic words, and the
reference/link sections at the end (参考文献, 外部链接, ...). Language-converter markup
``-{zh-cn:..;zh-tw:..}-`` is kept for the cleaning stage, which resolves it.

Every pass is linear in the wikitext, whatever it holds (a page is untrusted input): blocks whose
closing tag never comes are found to have none once, not once per opening tag; nested templates,
parameters and links are resolved innermost first for at most ``MAX_NESTING`` levels (deeper ones
are left as written), as each level is a pass over the whole page.
"""
import html
import re
from typing import Optional, Tuple

from wwm.text.html import ClosingTags

_COMMENT = re.compile(r'<!--.*?(?:-->|$)', re.DOTALL)
# Blocks that are not prose: ``<ref .../>``, or ``<ref ...>`` to the first ``</ref>`` after it.
_DROPPED = ('ref|math|chem|gallery|timeline|score|syntaxhighlight|source|imagemap|graph|templatedata|'
            'mapframe|poem|references')
_DROPPED_NAME = re.compile(r'<(%s)\b' % _DROPPED, re.IGNORECASE)
_DROPPED_CLOSING = re.compile(r'</(%s)\s*>' % _DROPPED, re.IGNORECASE)
_TAG = re.compile(r'</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>')
_LINE_BREAK_TAG = re.compile(r'<br\s*/?>', re.IGNORECASE)
_PARAMETER = re.compile(r'\{\{\{[^{}]*\}\}\}')
# A template with no template inside; single braces (``-{...}-`` converter markup) may be inside.
_TEMPLATE = re.compile(r'\{\{((?:[^{}]|(?<!\{)\{(?!\{)|(?<!\})\}(?!\}))*)\}\}')
_LINK = re.compile(r'\[\[([^\[\]]*)\]\]([a-zA-Z]*)')
# The label (group 1) still has the spaces after the first: ``\s+([^\[\]]*)`` would try every split
# of a run of spaces, each to the end of the label (quadratic on an unclosed ``[//a`` and spaces).
_EXTERNAL_LINK = re.compile(r'\[(?:https?:|ftp:)?//[^\s\[\]]+(?:\s([^\[\]]*))?\]')
_QUOTES = re.compile(r"'{2,}")
_MAGIC_WORD = re.compile(r'__[A-Z]+__')
_LIST_MARKER = re.compile(r'^[*#:;]+\s*')
_BLANK_RUNS = re.compile(r'\n{3,}')
# "&#" and 8 or more digits: beyond U+10FFFF whatever they say; html.unescape would run int() on
# them, which Python refuses past 4,300 digits (ValueError).
_LONG_DECIMAL_REFERENCE = re.compile(r'&#([0-9]{8,});?')
# Levels of nested templates, parameters and links resolved, a pass over the page each (articles
# nest a few; a hostile page of 100,000 made it 100,000 passes).
MAX_NESTING = 20

# Link namespaces whose links are not text (English and Chinese names, simplified and traditional).
_NON_TEXT_NAMESPACES = {
    'file', 'image', 'media', 'category', '文件', '檔案', '档案', '图像', '圖像', '图片', '圖片',
    '分类', '分類', '媒体', '媒體',
}
_INTERLANGUAGE = re.compile(r'^[a-z]{2,3}(?:-[a-z]+)*$')
# Templates whose first (or given) argument is the text they display.
_TEXT_TEMPLATES = {'lang': 2, 'lang-en': 1, 'lang-ja': 1, 'nowrap': 1, 'nobr': 1, 'le': 1,
                   'link-en': 1, 'link-ja': 1, 'link-de': 1, 'link-fr': 1, 'ill': 1, 'tsl': 3,
                   'illm': 1, 'en': 1, 'zh': 1, 'bd': 1, 'ruby': 1}
_END_SECTIONS = {
    '参考文献', '參考文獻', '参考资料', '參考資料', '参考来源', '參考來源', '注释', '註釋', '注解',
    '註解', '脚注', '腳註', '外部链接', '外部連結', '參見', '参见', '相关条目', '相關條目',
    '延伸阅读', '延伸閱讀', '扩展阅读', '擴展閱讀', '参考', '參考', '资料来源',
    '資料來源', 'references', 'external links', 'see also', 'notes', 'further reading',
}


def _template(match) -> str:
    parts = [part.strip() for part in match.group(1).split('|')]
    keep = _TEXT_TEMPLATES.get(parts[0].lower().replace('_', ' '))
    if keep and len(parts) > keep and '=' not in parts[keep]:
        return parts[keep]
    return ''


def _link(match) -> str:
    target, _, label = match.group(1).partition('|')
    target = target.strip()
    namespace = target.lstrip(':').partition(':')[0].strip().lower() if ':' in target else ''
    if not target.startswith(':') and (namespace in _NON_TEXT_NAMESPACES
                                       or _INTERLANGUAGE.match(namespace)):
        return ''
    if target.startswith(':') and namespace in _NON_TEXT_NAMESPACES and not label:
        return ''
    return (label or target.lstrip(':').split('#')[0]) + match.group(2)


def _repeat(pattern, replacement, text: str) -> str:
    """Apply until nothing changes, at most ``MAX_NESTING`` times: nested constructs are resolved
    innermost first, a level per pass."""
    for _ in range(MAX_NESTING):
        text, count = pattern.subn(replacement, text)
        if not count:
            break
    return text


def _without_dropped_blocks(text: str) -> str:
    """Text without the ``_DROPPED`` blocks; one left open is kept. The opening tag ends at the first
    ">" after the name (self-closing if "/" is before it); once there is no ">" left, no block can
    start. One pass: each ">" and closing tag is looked for once, not once per opening tag."""
    closings = ClosingTags(_DROPPED_CLOSING, text)
    pieces, kept_from, tag_end = [], 0, -1
    for name in _DROPPED_NAME.finditer(text):
        if name.start() < kept_from:
            continue  # inside a block already dropped
        if tag_end < name.end():
            tag_end = text.find('>', name.end())
            if tag_end < 0:
                break
        if tag_end > name.end() and text[tag_end - 1] == '/':
            end = tag_end + 1
        else:
            end = closings.end_after(name.group(1), tag_end + 1)
            if end < 0:
                continue
        pieces.append(text[kept_from:name.start()])
        kept_from = end
    return ''.join(pieces) + text[kept_from:]


def _external_link_label(match) -> str:
    return (match.group(1) or '').lstrip()


def _heading(line: str) -> Optional[Tuple[int, str]]:
    r"""(level, title) of a heading line ``== title ==``, else None. The level is the longest run of
    "=" that both starts the line and ends it (trailing spaces aside) without overlap; the regex
    ``^(=+)\s*(.*?)\s*\1\s*$`` that says the same took cubic time on a line of "="."""
    content = line.rstrip()
    level = min(len(content) - len(content.lstrip('=')), len(content) - len(content.rstrip('=')),
                len(content) // 2)
    if not level:
        return None
    return level, content[level:len(content) - level].strip()


def _unescape(text: str) -> str:
    """``html.unescape``, also for decimal references too long for ``int()``: they show U+FFFD, as
    html.unescape shows any reference beyond U+10FFFF (leading zeros aside)."""
    pieces, kept_from = [], 0
    for reference in _LONG_DECIMAL_REFERENCE.finditer(text):
        digits = reference.group(1).lstrip('0') or '0'
        pieces += [html.unescape(text[kept_from:reference.start()]),
                   '\ufffd' if len(digits) >= 8 else html.unescape('&#%s;' % digits)]
        kept_from = reference.end()
    return ''.join(pieces) + html.unescape(text[kept_from:])


def _without_tables(text: str) -> str:
    """Drop ``{| ... |}`` tables, nested ones included (a table line starts with ``{|`` or ``|}``)."""
    kept, depth = [], 0
    for line in text.split('\n'):
        stripped = line.lstrip()
        if stripped.startswith('{|'):
            depth += 1
        elif depth and stripped.startswith('|}'):
            depth -= 1
        elif not depth:
            kept.append(line)
    return '\n'.join(kept)


def _lines(text: str):
    """Plain lines: headings dropped, the reference sections at the end cut, list markers removed."""
    skipping_level = 0
    for line in text.split('\n'):
        heading = _heading(line)
        if heading:
            level, title = heading
            if skipping_level and level > skipping_level:
                continue
            skipping_level = level if title.lower() in _END_SECTIONS else 0
            yield ''
        elif not skipping_level:
            line = _LIST_MARKER.sub('', line).strip()
            if line not in ('----',):
                yield line


def strip_tags(text: str) -> str:
    """HTML-like tags out, their content kept; ``<br>`` becomes a line break."""
    return _TAG.sub('', _LINE_BREAK_TAG.sub('\n', text))


def wikitext_to_text(wikitext: str) -> str:
    """Plain text of an article's wikitext: paragraphs separated by blank lines."""
    text = _COMMENT.sub('', wikitext)
    text = _without_dropped_blocks(text)
    text = _repeat(_PARAMETER, '', text)
    text = _repeat(_TEMPLATE, _template, text)
    text = _without_tables(text)
    text = _repeat(_LINK, _link, text)
    text = _EXTERNAL_LINK.sub(_external_link_label, text)
    text = strip_tags(text)
    text = _QUOTES.sub('', text)
    text = _MAGIC_WORD.sub('', text)
    text = _unescape('\n'.join(_lines(text)))
    return _BLANK_RUNS.sub('\n\n', text).strip('\n')


REDIRECT = re.compile(r'^\s*#\s*(?:redirect|重定向)\b', re.IGNORECASE)
_DISAMBIGUATION = re.compile(
    r'\{\{\s*(?:disambig|disambiguation|dab|消歧义|消歧義|消歧义页|消歧義頁|hndis|geodis)\s*[|}]',
    re.IGNORECASE)


_DISAMBIGUATION_TITLE = ('(消歧义)', '（消歧义）', '(消歧義)', '（消歧義）')


def is_disambiguation(title: str, wikitext: str) -> bool:
    return bool(_DISAMBIGUATION.search(wikitext)) or title.endswith(_DISAMBIGUATION_TITLE)
