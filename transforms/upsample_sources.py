"""Up-sample (or down-sample) documents by the weight of the source file they come from.

Placed after cleaning, filters and deduplication (so copies are not removed as duplicates) and
before sentence splitting. See wwm.readers.upsampling for how weights become copies.
"""
import functools

from schemas.records import Document
from transforms.keep_or_drop import Count, Drop, KeepOrDrop
from wwm.readers.upsampling import copies, copy_id

DOWNSAMPLED = 'downsampled'


def source_weight(document: Document, weights: dict) -> float:
    """The weight of a document's source: how many copies of it up-sampling makes, on average."""
    return weights.get(document.source, 1.0)


def upsample_document(document: Document, weights: dict, seed: int):
    """The document's copies (itself at weight 1), or Drop when its weight gives none; the copies
    added are counted as ``upsampled_copies``."""
    weight = source_weight(document, weights)
    if weight == 1.0:
        yield document
        return
    count = copies(weight, seed, document.doc_id)
    if count == 0:
        yield Drop(DOWNSAMPLED, document.text)
        return
    for copy in range(count):
        yield document._replace(doc_id=copy_id(document.doc_id, copy))
    if count > 1:
        yield Count('upsampled_copies', count - 1)


class UpsampleSources(KeepOrDrop):
    """Documents -> ``documents`` (with copies), ``dropped`` (down-sampled away) and ``stats``
    (``upsampled_copies``: copies added, so read + copies = kept + dropped).

    ``weights`` maps a source name (Document.source) to its weight; absent sources weigh 1.
    """

    def __init__(self, weights: dict, seed: int):
        weights = {name: float(weight) for name, weight in weights.items() if weight != 1}
        super().__init__('upsample_sources', functools.partial(upsample_document, weights=weights,
                                                               seed=seed))
