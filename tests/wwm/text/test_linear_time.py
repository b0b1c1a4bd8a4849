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

Each case runs in a child process that prints the time of each call as it ends; a call that takes
more than ``LIMIT_SECONDS`` fails the case and the child is killed, so a pass that hangs (in the
regex engine or in C code such as ``unicodedata.normalize``) fails instead of holding the suite.
The time at 1 MiB must also be under ``MAX_RATIO`` times the time at a quarter of that: about 4 for
a linear pass, 16 for a quadratic one.
"""
import os
import select
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from wwm.text.boilerplate import remove_boilerplate
from wwm.text.converter_markup import resolve_converter_markup
from wwm.dedup import normalize
from wwm.text.filters import FilterThresholds, rejection
from wwm.text.html import strip_html
from wwm.readers.wikitext import wikitext_to_text
from wwm.text.sentences import split_sentences
from wwm.text.cleaning import clean_text

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


def _timed_calls(case: str):
    """(size, seconds) of each call of the case's pass: TRIES at SMALL, then at LARGE until one is
    under MAX_RATIO times the best at SMALL (a slow one may be the shared machine), at most TRIES."""
    function, build = CASES[case]
    small, large = build(SMALL), build(LARGE)
    assert len(large) > 0.99 * LARGE
    best_small = float('inf')
    for _ in range(TRIES):
        seconds = _seconds(function, small)
        best_small = min(best_small, seconds)
        yield SMALL, seconds
    for _ in range(TRIES):
        large_seconds = _seconds(function, large)
        yield LARGE, large_seconds
        if large_seconds < MAX_RATIO * max(best_small, FLOOR_SECONDS):
            return


def _seconds(function, text: str) -> float:
    start = time.perf_counter()
    function(text)
    return time.perf_counter() - start


def _print_timed_calls(case: str) -> None:
    """The child's side: one line "size seconds" a call, printed as soon as it ends."""
    for size, seconds in _timed_calls(case):
        print(size, seconds, flush=True)


def _lines(child: subprocess.Popen, seconds: float):
    """The lines ``child`` prints, each awaited at most ``seconds``; None for one that did not come."""
    pending = b''
    while True:
        while b'\n' not in pending:
            if not select.select([child.stdout], [], [], seconds)[0]:
                yield None
                return
            chunk = os.read(child.stdout.fileno(), 1 << 12)
            if not chunk:
                return
            pending += chunk
        line, _, pending = pending.partition(b'\n')
        yield line.decode()


@pytest.mark.parametrize('case', CASES)
def test_pass_time_is_linear_on_adversarial_input(case):
    child = subprocess.Popen([sys.executable, '-c', 'import sys; from tests.wwm.text.test_linear_time import '
                              '_print_timed_calls; _print_timed_calls(sys.argv[1])', case],
                             cwd=ROOT, stdout=subprocess.PIPE)
    times = {SMALL: [], LARGE: []}
    try:
        for line in _lines(child, LIMIT_SECONDS):
            assert line is not None, '%s: a call at %d characters still running after %d s' % (
                case, SMALL if len(times[SMALL]) < TRIES else LARGE, LIMIT_SECONDS)
            size, seconds = line.split()
            times[int(size)].append(float(seconds))
    finally:
        child.kill()
        child.wait()
    assert len(times[SMALL]) == TRIES and times[LARGE], '%s: the child failed (exit %s)' % (case, child.returncode)
    small_seconds, large_seconds = max(min(times[SMALL]), FLOOR_SECONDS), min(times[LARGE])
    assert large_seconds < MAX_RATIO * small_seconds, (
        '%s: %.3f s at %d characters, %.3f s at %d' % (case, small_seconds, SMALL, large_seconds, LARGE))
