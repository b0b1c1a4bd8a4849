"""Every text pass takes time linear in its input, on adversarial inputs of 1 MiB characters.

Each case is an input shape that made a pass quadratic or worse: a lazy regex rescanning the rest of
the text from each opening that is never closed (``<script>``, ``<!--``, ``<ref>``), a regex retried
at every position of a long run (the e-mail pattern on a dotted URL), ambiguous quantifiers trying
every split of a run of spaces (converter flags, external links, headings), nested constructs
resolved one level per pass over the whole page (``{{``, ``{{{``, ``[[``), and Python's NFKC
sorting a run of combining marks by insertion (dedup's normal form). Before the fix, 20,000
unclosed ``<script>`` tags took over 120 s, 200 KB of ``<!--`` 71 s, a 200 KB dotted URL 81 s, a wiki
page of 100,000 nested ``{{`` over 300 s, and a heading line of 20,000 "=" did not end.

The cleaning cases run the job's whole text chain on the input (cleaning, boilerplate, filters,
sentence splitting), so the passes after cleaning meet what is left of it: mostly one huge line.

Each call runs under a timer signal, so a pass that hangs fails its case after ``LIMIT_SECONDS``
instead of holding the suite (the regex engine checks for signals while it backtracks). The time at
1 MiB must also be under ``MAX_RATIO`` times the time at a quarter of that: about 4 for a linear
pass, 16 for a quadratic one.
"""
import contextlib
import signal
import time

import pytest

from wwm.boilerplate import remove_boilerplate
from wwm.converter_markup import resolve_converter_markup
from wwm.dedup import normalize
from wwm.filters import FilterThresholds, rejection
from wwm.html_text import strip_html
from wwm.readers.wikitext import wikitext_to_text
from wwm.sentences import split_sentences
from wwm.text_cleaning import clean_text

LARGE = 1 << 20          # characters
SMALL = LARGE // 4
LIMIT_SECONDS = 15       # for one call at LARGE: generous for a slow, shared CI machine
MAX_RATIO = 10
FLOOR_SECONDS = 0.01     # a time at SMALL below this is noise: the ratio is taken to it
TRIES = 3


def _repeated(unit: str, size: int) -> str:
    return unit * (size // len(unit))


def _text_stages(text: str) -> list:
    """The job's passes over a document's text, in order."""
    cleaned = remove_boilerplate(clean_text(text)).text
    rejection(cleaned, FilterThresholds())
    return split_sentences(cleaned)


CASES = {
    'unclosed <script> tags': (_text_stages, lambda n: _repeated('<script>x', n)),
    'unclosed <!-- comments': (_text_stages, lambda n: _repeated('<!--', n)),
    'unclosed <script> tags as entities': (strip_html, lambda n: _repeated('&lt;script&gt;', n)),
    'dotted URL': (_text_stages, lambda n: 'http://' + _repeated('a.', n)),
    'run of one letter': (_text_stages, lambda n: 'x' * n),
    'e-mail address whose dotted domain never ends': (_text_stages, lambda n: 'a' * (n // 2) + '@' + _repeated('a.', n // 2)),
    'converter markup of spaces': (_text_stages, lambda n: '-{' + ' ' * n + '}-'),
    'converter rule of spaces': (resolve_converter_markup, lambda n: '-{a;' + ' ' * n + '}-'),
    'wiki: nested templates': (wikitext_to_text, lambda n: '{{' * (n // 4) + '}}' * (n // 4)),
    'wiki: nested parameters': (wikitext_to_text, lambda n: '{{{' * (n // 6) + '}}}' * (n // 6)),
    'wiki: nested links': (wikitext_to_text, lambda n: '[[' * (n // 4) + ']]' * (n // 4)),
    'wiki: unclosed <ref> blocks': (wikitext_to_text, lambda n: _repeated('<ref>x', n)),
    'wiki: <ref tags without ">"': (wikitext_to_text, lambda n: _repeated('<ref x', n)),
    'wiki: unclosed external link then spaces': (wikitext_to_text, lambda n: '[//a' + ' ' * n),
    'wiki: heading line of "="': (wikitext_to_text, lambda n: '=' * n + 'x'),
    'dedup: combining marks of alternating classes': (normalize, lambda n: 'a' + _repeated('\u0301\u0316', n)),
    'dedup: marks decomposing out of order': (normalize, lambda n: '\u0f73' * n),
}


class TooSlow(Exception):
    pass


@contextlib.contextmanager
def _deadline(seconds: float):
    """Raise TooSlow in the calling code once ``seconds`` have passed."""
    def expire(signum, frame):
        raise TooSlow('still running after %s s' % seconds)
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _seconds(function, text: str) -> float:
    with _deadline(LIMIT_SECONDS):
        start = time.perf_counter()
        function(text)
        return time.perf_counter() - start


@pytest.mark.parametrize('case', CASES)
def test_pass_time_is_linear_on_adversarial_input(case):
    function, build = CASES[case]
    small, large = build(SMALL), build(LARGE)
    assert len(large) > 0.99 * LARGE
    small_seconds = max(min(_seconds(function, small) for _ in range(TRIES)), FLOOR_SECONDS)
    large_seconds = float('inf')
    for _ in range(TRIES):  # a time well over the linear one is measured again: the machine is shared
        large_seconds = min(large_seconds, _seconds(function, large))
        if large_seconds < MAX_RATIO * small_seconds:
            break
    assert large_seconds < MAX_RATIO * small_seconds, (
        '%s: %.3f s at %d characters, %.3f s at %d' % (case, small_seconds, SMALL, large_seconds, LARGE))
