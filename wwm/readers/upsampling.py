"""Up-sampling by source weight: how many copies of a document go on.

A weight ``w`` gives ``floor(w)`` copies, plus one more with probability ``w - floor(w)``, drawn
from a seeded hash of the document id, so the choice is the same on every run and worker. A weight
below 1 thus keeps a seeded share of the documents (down-sampling); 0 keeps none.
"""
import math

from wwm.hashing import seeded_rng

COPY_SEPARATOR = '#copy'


def copies(weight: float, seed: int, doc_id: str) -> int:
    whole = math.floor(weight)
    fraction = weight - whole
    if fraction and seeded_rng(seed, 'upsample', doc_id).random() < fraction:
        whole += 1
    return int(whole)


def copy_id(doc_id: str, copy: int) -> str:
    """Copy 0 keeps the document's id; copy k gets ``<id>#copyk``, so every copy has its own
    instances and masks downstream."""
    return doc_id if copy == 0 else '%s%s%d' % (doc_id, COPY_SEPARATOR, copy)
