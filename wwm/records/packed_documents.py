"""A TokenizedDocument as compact bytes, for the shuffle that gathers documents into NSP buckets.

Every document crosses that shuffle once, and on the local runner the runner relays and holds it.
Pickled, its token ids and masking-group numbers cost 5.8 bytes a token (3 a list entry); packed
here as three lists (sentence lengths, all ids, all group numbers) in the narrowest integer types
(kernels.pack_lists: 2 bytes an id for any vocab under 65,536 entries), 4 bytes a token, and
unpacked in one C call instead of pickle's per-entry loop.
"""
import itertools
import struct

from schemas.records import TokenizedDocument
from wwm.native import kernels

_SOURCE_LENGTH = struct.Struct('<I')
_TYPECODES = ('HIq', 'HIq', 'HIq')   # sentence lengths, token ids, group numbers


def pack_tokenized(document: TokenizedDocument) -> bytes:
    """The source, then the unaligned-token count and the three lists (kernels.pack_lists)."""
    source = document.source.encode('utf-8', 'surrogatepass')
    segments = document.segments
    lists = ([len(ids) for ids, _ in segments],
             list(itertools.chain.from_iterable(ids for ids, _ in segments)),
             list(itertools.chain.from_iterable(groups for _, groups in segments)))
    return b''.join((_SOURCE_LENGTH.pack(len(source)), source,
                     kernels.pack_lists(document.unaligned_tokens, lists, _TYPECODES)))


def unpack_tokenized(doc_id: str, data: bytes) -> TokenizedDocument:
    """The document of pack_tokenized's bytes; raises ValueError on bytes it did not write."""
    (length,) = _SOURCE_LENGTH.unpack_from(data, 0)
    start = _SOURCE_LENGTH.size + length
    source = data[_SOURCE_LENGTH.size:start].decode('utf-8', 'surrogatepass')
    unaligned, (lengths, ids, groups) = kernels.unpack_lists(memoryview(data)[start:], len(_TYPECODES))
    if sum(lengths) != len(ids) or len(groups) != len(ids):
        raise ValueError('packed document %s: %d tokens, %d group numbers, sentences of %d'
                         % (doc_id, len(ids), len(groups), sum(lengths)))
    segments, offset = [], 0
    for count in lengths:
        segments.append((ids[offset:offset + count], groups[offset:offset + count]))
        offset += count
    return TokenizedDocument(doc_id, source, segments, unaligned)
