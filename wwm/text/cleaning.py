"""Cleaning of raw text: converter markup, HTML, URLs and e-mail addresses, invisible characters,
whitespace.

Full-width punctuation and letters are kept as they are ("do not over-normalize"); only characters
that carry no text, or that break line-based tools downstream (U+2028/U+2029, see transformers
#14706), are changed. Each step reports how often it fired, for the manifest.

URLs and e-mail addresses are removed by default rather than replaced by a placeholder: BERT's
Chinese vocab has no token for one, so a placeholder such as ``[URL]`` would become three ordinary
tokens the model learns as if they were text; ``keep`` leaves them as written.
"""
import re
from collections import Counter
from typing import NamedTuple, Optional, Tuple

from wwm.text.converter_markup import SIMPLIFIED, resolve_converter_markup
from wwm.text.html import strip_html

URL_POLICIES = ('remove', 'keep')

# Line and paragraph separators and other vertical breaks become plain newlines.
_LINE_BREAKS = re.compile('\r\n|[\r\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85]')
# Zero-width and other invisible format characters that carry no text.
_INVISIBLE = re.compile('[\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff'
                        '\u202a-\u202e\u2066-\u2069\u00ad\u180e]')
_SPACE_CHARS = ' \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000'
# A run of 4+ spaces, or of 2+ ideographic spaces, inside a line is a paragraph break that lost
# its newline (THUCNews joins paragraphs with NBSP runs, web text indents with U+3000 U+3000).
_LOST_PARAGRAPH = re.compile('[%s]{4,}|[%s]*\u3000[%s]*\u3000[%s]*' % ((_SPACE_CHARS,) * 4))
# Other horizontal space runs (NBSP, ideographic space, thin spaces, tabs) collapse to one space.
_SPACES = re.compile('[%s]+' % _SPACE_CHARS)
_BLANK_LINES = re.compile(' *\n[ \n]*')
# ASCII only: in Chinese text a URL or address is usually glued to the words that follow it.
_URL = re.compile(r"(?:(?:https?|ftps?)://|www\d{0,3}\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*"
                  r"[A-Za-z0-9\-_~/#=&%+@]", re.ASCII)
_EMAIL_LOCAL = r'[A-Za-z0-9._%+\-]'
_EMAIL = re.compile(r'%s+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}' % _EMAIL_LOCAL, re.ASCII)
# The same, starting only where a run of local-part characters starts. Every start inside a run
# reaches the same "@" as the run's first character, so it fails where that one failed; searched
# from each of them, _EMAIL alone took minutes on a 200 KB run ("a.a.a.", a dotted URL).
_EMAIL_AT_RUN_START = re.compile(r'(?<!%s)%s' % (_EMAIL_LOCAL, _EMAIL.pattern), re.ASCII)


class CleaningOptions(NamedTuple):
    """``markup_chain``: variant preference for converter markup (None leaves it as written)."""
    markup_chain: Optional[tuple] = SIMPLIFIED
    strip_html: bool = True
    urls: str = 'remove'


DEFAULT_OPTIONS = CleaningOptions()


# Control characters (Cc) other than the newline, and lone surrogates (Cs): a regex class instead
# of a per-character unicodedata test, which cost as much as the rest of cleaning.
_CONTROL = re.compile('[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff]')


def _remove_invisible(text: str) -> Tuple[str, int]:
    text, count = _INVISIBLE.subn('', text)
    text, controls = _CONTROL.subn('', text)
    return text, count + controls


def _remove_emails(text: str) -> Tuple[str, int]:
    """``_EMAIL.subn('', text)`` in linear time. Right after a removed address the next may start
    inside a run (``a@b.com1@c.cn``): only there is ``_EMAIL`` itself tried."""
    if '@' not in text:
        return text, 0
    pieces, kept_from = [], 0
    while True:
        found = _EMAIL.match(text, kept_from) if kept_from else None
        found = found or _EMAIL_AT_RUN_START.search(text, kept_from)
        if found is None:
            return ''.join(pieces) + text[kept_from:], len(pieces)
        pieces.append(text[kept_from:found.start()])
        kept_from = found.end()


def _normalize_whitespace(text: str) -> str:
    text = _LOST_PARAGRAPH.sub('\n', text)
    text = _SPACES.sub(' ', text)
    text = _BLANK_LINES.sub('\n', text)
    return text.strip(' \n')


def clean_with_counts(text: str, options: CleaningOptions = DEFAULT_OPTIONS) -> Tuple[str, Counter]:
    """(cleaned text, Counter of what each step removed or resolved).

    Lines are kept (a newline is a sentence boundary downstream); empty lines are dropped.
    """
    counts = Counter()
    text = _LINE_BREAKS.sub('\n', text)
    if options.strip_html:
        text, counts['html_tags'], counts['html_entities'] = strip_html(text)
    if options.markup_chain:
        text, counts['converter_markup'] = resolve_converter_markup(text, options.markup_chain)
    if options.urls == 'remove':
        text, counts['emails'] = _remove_emails(text)
        text, counts['urls'] = _URL.subn('', text)
    text, counts['invisible_chars'] = _remove_invisible(text)
    return _normalize_whitespace(text), +counts


def clean_text(text: str, options: CleaningOptions = DEFAULT_OPTIONS) -> str:
    """``text`` cleaned as the pipeline cleans it (see ``clean_with_counts``)."""
    return clean_with_counts(text, options)[0]
