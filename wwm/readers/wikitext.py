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
"""
import html
import re

_COMMENT = re.compile(r'<!--.*?(?:-->|$)', re.DOTALL)
_DROPPED_BLOCKS = re.compile(
    r'<(ref|math|chem|gallery|timeline|score|syntaxhighlight|source|imagemap|graph|templatedata|'
    r'mapframe|poem|references)\b[^>]*?(?:/>|>.*?</\1\s*>)', re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r'</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>')
_LINE_BREAK_TAG = re.compile(r'<br\s*/?>', re.IGNORECASE)
_PARAMETER = re.compile(r'\{\{\{[^{}]*\}\}\}')
# A template with no template inside; single braces (``-{...}-`` converter markup) may be inside.
_TEMPLATE = re.compile(r'\{\{((?:[^{}]|(?<!\{)\{(?!\{)|(?<!\})\}(?!\}))*)\}\}')
_LINK = re.compile(r'\[\[([^\[\]]*)\]\]([a-zA-Z]*)')
_EXTERNAL_LINK = re.compile(r'\[(?:https?:|ftp:)?//[^\s\[\]]+(?:\s+([^\[\]]*))?\]')
_QUOTES = re.compile(r"'{2,}")
_MAGIC_WORD = re.compile(r'__[A-Z]+__')
_HEADING = re.compile(r'^(=+)\s*(.*?)\s*\1\s*$')
_LIST_MARKER = re.compile(r'^[*#:;]+\s*')
_BLANK_RUNS = re.compile(r'\n{3,}')

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
    """Apply until nothing changes: nested constructs are resolved innermost first."""
    while True:
        text, count = pattern.subn(replacement, text)
        if not count:
            return text


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
        heading = _HEADING.match(line)
        if heading:
            level = len(heading.group(1))
            if skipping_level and level > skipping_level:
                continue
            skipping_level = level if heading.group(2).strip().lower() in _END_SECTIONS else 0
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
    text = _DROPPED_BLOCKS.sub('', text)
    text = _repeat(_PARAMETER, '', text)
    text = _repeat(_TEMPLATE, _template, text)
    text = _without_tables(text)
    text = _repeat(_LINK, _link, text)
    text = _EXTERNAL_LINK.sub(lambda m: m.group(1) or '', text)
    text = strip_tags(text)
    text = _QUOTES.sub('', text)
    text = _MAGIC_WORD.sub('', text)
    text = html.unescape('\n'.join(_lines(text)))
    return _BLANK_RUNS.sub('\n\n', text).strip('\n')


REDIRECT = re.compile(r'^\s*#\s*(?:redirect|重定向)\b', re.IGNORECASE)
_DISAMBIGUATION = re.compile(
    r'\{\{\s*(?:disambig|disambiguation|dab|消歧义|消歧義|消歧义页|消歧義頁|hndis|geodis)\s*[|}]',
    re.IGNORECASE)


_DISAMBIGUATION_TITLE = ('(消歧义)', '（消歧义）', '(消歧義)', '（消歧義）')


def is_disambiguation(title: str, wikitext: str) -> bool:
    return bool(_DISAMBIGUATION.search(wikitext)) or title.endswith(_DISAMBIGUATION_TITLE)
