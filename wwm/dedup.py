"""Exact and near-duplicate detection, free of Beam: fingerprints, MinHash signatures, LSH bands,
and the rule for which copy is kept.

Both work on a normalized form of the text: NFKC (full-width letters and digits become ASCII),
case-folded, and reduced to word characters (letters, digits, CJK), so copies that differ only in
punctuation, spacing, full/half width or case are exact duplicates. Run after OpenCC, this also
makes a traditional copy of a simplified text a duplicate.

Near duplicates: MinHash (datasketch's, fixed seed and permutation scheme, so every worker computes
the same signature) over the set of character k-shingles of the normalized text, split into
``bands`` bands of ``rows`` values; documents sharing a band are candidates, and a candidate counts
when the signatures' estimated Jaccard similarity reaches the threshold. The signature, its
permutations and the band layout are computed here in numpy, as datasketch computes them (the
tests compare them with datasketch's, which the job itself does not import).

Which copy is kept: of a group of duplicates, the document with the smallest ``keep_rank``, that is
the first document of the alphabetically first source file. A document is dropped when a document
of smaller rank is its duplicate; that document may itself be dropped, so in a chain A~B~C where A
and C are not similar, both B and C go.
"""
import functools
import hashlib
import re
import unicodedata
from typing import Iterator, List, NamedTuple, Tuple

import numpy as np

from wwm.text.filters import word_chars

MINHASH_SEED = 1
MINHASH_SCHEME = 'affine32'  # datasketch's scheme that permutations() draws (its default since 2.0)
SHINGLE_BATCH = 4096         # bounds the (shingles x num_perm) matrix built at once


class NearDuplicateParams(NamedTuple):
    threshold: float = 0.8
    num_perm: int = 128
    bands: int = 0  # 0: chosen from the threshold (datasketch's optimum); then rows too
    rows: int = 0
    shingle_size: int = 5


# UAX #15's Stream-Safe Text Format: at most 30 combining characters in a row, else U+034F COMBINING
# GRAPHEME JOINER (a starter, dropped with the marks by word_chars) goes between them.
MAX_NON_STARTERS = 30
_GRAPHEME_JOINER = '\u034f'


def normalize(text: str) -> str:
    """The form duplicates are compared in (see the module docstring)."""
    return word_chars(unicodedata.normalize('NFKC', _stream_safe(text)).casefold())


def _stream_safe(text: str) -> str:
    """``text`` with a grapheme joiner after every ``MAX_NON_STARTERS`` combining characters in a
    row. Python puts a run of combining characters in canonical order with an insertion sort:
    quadratic time on a long run (1 MB of alternating marks took minutes); text has a few."""
    return _long_non_starter_runs().sub(_joined_every_max, text)


def _joined_every_max(run) -> str:
    run = run.group()
    return _GRAPHEME_JOINER.join(run[start:start + MAX_NON_STARTERS]
                                 for start in range(0, len(run), MAX_NON_STARTERS))


@functools.lru_cache(maxsize=None)
def _long_non_starter_runs() -> re.Pattern:
    """Runs of more than MAX_NON_STARTERS characters whose decomposition starts with a combining
    character (combining class above 0: the marks themselves and a few such as U+0F73), all in
    planes 0 and 1. Built on first use, from the Unicode database of the running Python."""
    codes = [code for code in range(0x20000) if _starts_with_non_starter(chr(code))]
    ranges, first = [], codes[0]
    for previous, code in zip(codes, codes[1:] + [None]):
        if code != previous + 1:
            ranges.append('%s-%s' % (chr(first), chr(previous)) if previous > first else chr(first))
            first = code
    return re.compile('[%s]{%d,}' % (''.join(ranges), MAX_NON_STARTERS + 1))


def _starts_with_non_starter(char: str) -> bool:
    if unicodedata.combining(char):
        return True
    return bool(unicodedata.decomposition(char)) and unicodedata.combining(
        unicodedata.normalize('NFKD', char)[0]) > 0


def exact_fingerprint(normalized: str) -> bytes:
    """128-bit BLAKE2b of a text's ``normalize``d form."""
    return hashlib.blake2b(normalized.encode('utf-8'), digest_size=16).digest()


def keep_rank(doc_id: str) -> Tuple[str, int, int]:
    """Sort key of a ``<source>:<n>`` id: source, then position as a number (``a:9`` < ``a:10``);
    the pieces of a cut document (``<source>:<n>~<k>``, wwm/readers/pieces.py) follow it in order."""
    source, _, position = doc_id.rpartition(':')
    number, _, piece = position.partition('~')
    if number.isdigit() and (not piece or piece.isdigit()):
        return source, int(number), int(piece or 0)
    return doc_id, -1, 0


def band_layout(params: NearDuplicateParams) -> Tuple[int, int]:
    """(bands, rows): the given ones, or those datasketch's MinHashLSH chooses for the threshold.

    Raises ValueError where that layout has fewer than 2 bands, as datasketch does.
    """
    if params.bands:
        return params.bands, params.rows
    bands, rows = _optimal_layout(params.threshold, params.num_perm)
    if bands < 2:
        raise ValueError('the best layout has %d band(s), fewer than 2' % bands)
    return bands, rows


@functools.lru_cache(maxsize=None)
def _optimal_layout(threshold: float, num_perm: int) -> Tuple[int, int]:
    """The (bands, rows) with bands x rows <= num_perm that minimizes the false-positive plus the
    false-negative probability mass around ``threshold`` (equally weighted): datasketch's rule,
    searched in datasketch's order.

    Not datasketch's own function: its LSH module imports scipy to integrate, 0.45 s of every
    run's start-up on the runner alone. The probabilities are polynomials of degree bands x rows
    <= num_perm in the similarity, which Gauss-Legendre quadrature on num_perm / 2 + 1 nodes
    integrates exactly (tests/wwm/test_dedup.py compares the choice with datasketch's).
    """
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)
    below = threshold / 2 * (nodes + 1)                    # the nodes on [0, threshold]
    above = threshold + (1 - threshold) / 2 * (nodes + 1)  # and on [threshold, 1]
    best, best_error = (0, 0), float('inf')
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            false_positive = threshold / 2 * weights.dot(1 - (1 - below ** rows) ** bands)
            false_negative = (1 - threshold) / 2 * weights.dot((1 - above ** rows) ** bands)
            error = 0.5 * false_positive + 0.5 * false_negative
            if error < best_error:
                best, best_error = (bands, rows), error
    return best


_SHINGLE_BASE = np.uint64(1000003)
_MIX_1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX_2 = np.uint64(0xC4CEB9FE1A85EC53)


def shingle_hashes(normalized: str, size: int) -> np.ndarray:
    """32-bit hashes of the character ``size``-grams of ``normalized`` (the whole text when shorter).

    Computed in numpy over the text's code points (a polynomial hash finished with MurmurHash3's
    64-bit mixer): datasketch's default per-shingle SHA-1 took as long as word segmentation.
    """
    codes = np.frombuffer(normalized.encode('utf-32-le'), dtype=np.uint32).astype(np.uint64)
    count = max(1, len(codes) - size + 1)
    width = min(size, len(codes))
    with np.errstate(over='ignore'):
        hashes = np.zeros(count, dtype=np.uint64)
        for offset in range(width):
            hashes = hashes * _SHINGLE_BASE + codes[offset:offset + count]
        hashes ^= hashes >> np.uint64(33)
        hashes *= _MIX_1
        hashes ^= hashes >> np.uint64(33)
        hashes *= _MIX_2
        hashes ^= hashes >> np.uint64(33)
    return hashes & np.uint64(0xFFFFFFFF)


def signature(normalized: str, params: NearDuplicateParams, perms=None) -> np.ndarray:
    """MinHash signature (``num_perm`` uint32 values) of the shingle set of a ``normalize``d text.

    The values of datasketch's ``MinHash(scheme='affine32', hashfunc=int)`` updated with the shingle
    hashes, computed here over the hash array: datasketch's ``update_batch`` converts its input one
    element at a time in Python, which took most of the time. In uint32, numpy's products and sums
    wrap around modulo 2^32 as the scheme's permutations ``a * h + b`` do. ``perms``: the
    ``permutations(params.num_perm)``, when the caller already has them.
    """
    a, b = permutations(params.num_perm) if perms is None else perms
    hashes = _fmix32(shingle_hashes(normalized, params.shingle_size).astype(np.uint32))
    values = np.full(params.num_perm, 0xFFFFFFFF, dtype=np.uint32)  # an empty MinHash's values
    for start in range(0, len(hashes), SHINGLE_BATCH):
        permuted = np.multiply.outer(a, hashes[start:start + SHINGLE_BATCH])  # a row per permutation
        permuted += b[:, np.newaxis]
        np.minimum(values, permuted.min(axis=1), out=values)
    return values


@functools.lru_cache(maxsize=None)
def permutations(num_perm: int) -> np.ndarray:
    """The permutation parameters (a, b) of datasketch's ``MinHash(num_perm, seed=MINHASH_SEED,
    scheme='affine32')``, drawn as it draws them (numpy's RandomState): a odd, b any 32-bit value.

    Drawn here rather than by datasketch, whose import pulls in scipy (see _optimal_layout); the
    pipeline draws them once when it is built and ships them with its DoFn. tests/wwm/test_dedup.py
    compares them with datasketch's.
    """
    generator = np.random.RandomState(MINHASH_SEED)
    a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return np.array([a, b])


_FMIX_1 = np.uint32(0x85EBCA6B)
_FMIX_2 = np.uint32(0xC2B2AE35)


def _fmix32(hashes: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, which the affine32 scheme applies to each input hash before
    permuting it (datasketch's own is private)."""
    hashes = hashes ^ (hashes >> np.uint32(16))
    hashes *= _FMIX_1
    hashes ^= hashes >> np.uint32(13)
    hashes *= _FMIX_2
    hashes ^= hashes >> np.uint32(16)
    return hashes


def band_keys(sig: np.ndarray, bands: int, rows: int) -> List[bytes]:
    """One key per band: the band's number and a 64-bit hash of its values."""
    return [band.to_bytes(2, 'big') + hashlib.blake2b(sig[band * rows:(band + 1) * rows].tobytes(),
                                                      digest_size=8).digest()
            for band in range(bands)]


def similarity(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Estimated Jaccard similarity: the share of equal signature values."""
    return float(np.count_nonzero(sig_a == sig_b)) / len(sig_a)
