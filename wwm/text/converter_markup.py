"""MediaWiki language-converter markup (``-{...}-``), resolved to one script's variant.

Chinese Wikipedia text keeps the editors' per-variant choices inline, e.g.
``-{zh-cn:域;zh-tw:體}-`` or ``-{zh-hans:实时;zh-hant:即時;}-``. Resolving them *before* OpenCC
keeps the word the editors chose for the target variant (OpenCC would only change the script of
whichever variant happened to come first). The rules follow MediaWiki's LanguageConverter:

- ``-{text}-`` shows ``text`` unconverted;
- ``-{zh-hans:a; zh-hant:b}-`` shows the variant of the target, else the next in its fallback chain;
- flags before ``|``: ``R`` (raw) shows the text; ``A`` shows the variant; ``T`` (title), ``H``
  (hidden rule), ``-`` (remove rule), ``D`` (description) and ``N`` (variant name) show nothing;
  a list of variant codes (``-{zh-hans;zh-hant|text}-``) shows the text only for those variants;
- unidirectional rules ``source=>zh-cn:target`` show their target.

Nested markup is resolved from the inside out. An unmatched ``-{`` or ``}-`` is left as text.
"""
import re
from typing import Tuple

SIMPLIFIED = ('zh-cn', 'zh-hans', 'zh-sg', 'zh-my', 'zh', 'zh-hant', 'zh-tw', 'zh-hk', 'zh-mo')
TRADITIONAL = ('zh-tw', 'zh-hant', 'zh-hk', 'zh-mo', 'zh', 'zh-hans', 'zh-cn', 'zh-sg', 'zh-my')
VARIANT_CHAINS = {'simplified': SIMPLIFIED, 'traditional': TRADITIONAL}

# The innermost ``-{...}-``: a body holding neither ``-{`` nor ``}-``.
_INNERMOST = re.compile(r'-\{((?:(?!-\{|\}-)[\s\S])*)\}-')
# Flags: what comes before the first "|", if it is only letters, "-", ";" and spaces. (As a regex
# ``^\s*([A-Za-z\-;\s]*?)\s*\|`` this took cubic time on a body of spaces.)
_FLAG_CHARS = re.compile(r'[A-Za-z\-;\s]*')
_VARIANT_CODE = re.compile(r'zh(?:-[a-z]{2,4})?$')
# A rule: an optional ``source=>`` (up to the first "=>" that a code follows), a variant code, ":".
# The source's class holds the spaces before it: a separate ``\s*`` there would make every split of
# a run of spaces a new try (quadratic).
_RULE_START = re.compile(r'(?:^|;)(?:[^;:]*?=>\s*|\s*)(zh(?:-[a-z]{2,4})?)\s*:')
_SILENT_FLAGS = {'T', 'H', '-', 'D', 'N'}
_MAX_NESTING = 8


def _split_flags(body: str) -> Tuple[set, str]:
    """(flags, rest) when the body starts with ``flags|``; flags must all be known, else none."""
    bar = body.find('|')
    if bar < 0 or not _FLAG_CHARS.fullmatch(body, 0, bar):
        return set(), body
    flags = {flag.strip() for flag in body[:bar].split(';') if flag.strip()}
    known = all(flag in _SILENT_FLAGS | {'A', 'R'} or _VARIANT_CODE.match(flag) for flag in flags)
    if not flags or not known:
        return set(), body
    return flags, body[bar + 1:]


def _variant_texts(rules: str) -> dict:
    """``zh-hans:a; zh-hant:b;`` -> {'zh-hans': 'a', 'zh-hant': 'b'} (first text of each code)."""
    starts = list(_RULE_START.finditer(rules))
    texts = {}
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(rules)
        texts.setdefault(match.group(1), rules[match.end():end].strip().rstrip(';').strip())
    return texts


def resolve_block(body: str, chain: tuple) -> str:
    """What one ``-{body}-`` shows for a reader of the first variant in ``chain``."""
    flags, rest = _split_flags(body)
    if 'R' in flags:
        return rest
    if flags & _SILENT_FLAGS:
        return ''
    variant_flags = {flag for flag in flags if _VARIANT_CODE.match(flag)}
    if variant_flags:
        return rest if variant_flags & set(chain[:chain.index('zh')]) else ''
    if not _RULE_START.match(rest):
        return rest
    texts = _variant_texts(rest)
    for code in chain:
        if code in texts:
            return texts[code]
    return next(iter(texts.values()))


def resolve_converter_markup(text: str, chain: tuple = SIMPLIFIED) -> Tuple[str, int]:
    """(text with every matched ``-{...}-`` resolved, number of blocks resolved)."""
    if '-{' not in text:
        return text, 0
    total = 0
    for _ in range(_MAX_NESTING):
        text, count = _INNERMOST.subn(lambda match: resolve_block(match.group(1), chain), text)
        total += count
        if not count:
            break
    return text, total
