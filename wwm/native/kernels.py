"""The per-token loops of masking, shuffle packing, TFRecord encoding and grouping tokens into
words: in C where it was built, in Python otherwise. (NSP instances are made in the same extension:
wwm/instances/pairs.py's create_pair_instances, whose reference is py_create_pair_instances there.)

``compiled`` is the module of wwm/native/_kernels.c, as wwm/native loaded it (None where it was not
built). At dupe_factor 10 each token passes these loops ten times: masking, encoding, packing and
unpacking a seq-512 instance take about 70 us in C against about 250 in Python (timeit). The Python
functions below are the reference: the C ones return the same values (tests/wwm/native/test_kernels.py
compares them on random input), so the output bytes do not depend on whether the extension was
built, only the speed does.
"""
import functools
import struct
from typing import Callable, List, Sequence, Tuple

from wwm.native import c_kernels as compiled


def py_candidate_groups(group_ids: Sequence[int], whole_word: bool, no_group: int) -> List[List[int]]:
    """Token positions of each maskable group: runs of one group number; ``no_group`` excluded."""
    candidates = []
    previous = no_group
    for position, group in enumerate(group_ids):
        if group == no_group:
            previous = no_group
            continue
        if whole_word and candidates and group == previous:
            candidates[-1].append(position)
        else:
            candidates.append([position])
        previous = group
    return candidates


def py_choose_groups(group_ids: Sequence[int], whole_word: bool, no_group: int, budget: int,
                     getrandbits: Callable[[int], int]) -> List[List[int]]:
    """The reference's choice: candidate groups in random order, each taken if it fits the budget.

    The order sorts the groups on random 64-bit keys (stable, so a tie keeps group order), all
    drawn by one ``getrandbits`` call: a uniform random order, like the reference's
    ``rng.shuffle``, whose index draws in Python cost a third of the masking time.
    """
    candidates = py_candidate_groups(group_ids, whole_word, no_group)
    count = len(candidates)
    keys = struct.unpack('<%dQ' % count, getrandbits(64 * count).to_bytes(8 * count, 'little'))
    chosen, used = [], 0
    for index in sorted(range(count), key=keys.__getitem__):
        if used >= budget:
            break
        group = candidates[index]
        if used + len(group) <= budget:
            chosen.append(group)
            used += len(group)
    return chosen


def py_replace_per_token(output: List[int], words: List[List[int]], mask_id: int,
                        replacement_ids: Sequence[int], random: Callable[[], float]) -> None:
    """BERT's 80/10/10 for each chosen token, in place: [MASK], itself, or a random replacement id."""
    for word in words:
        for position in word:
            if random() < 0.8:
                output[position] = mask_id
            elif random() < 0.5:
                pass
            else:
                output[position] = replacement_ids[int(random() * len(replacement_ids))]


def _varint(value: int) -> bytes:
    if not -(1 << 63) <= value < 1 << 64:
        raise OverflowError('%d is not an int64 (or uint64) value' % value)
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


# Varint bytes of every value below 2**16 (token ids of BERT vocabs, positions, labels): a table
# lookup is ~10x faster than encoding each value in Python. A dict, not a list: its lookup fails on
# a value outside the table, where a list index would wrap a negative value around.
_VARINT_OF = {value: _varint(value) for value in range(1 << 16)}


def py_packed_varints(values: Sequence[int]) -> bytes:
    """The values as consecutive protobuf varints; negative ones as 64-bit two's complement."""
    if type(values) in (list, tuple):   # bytes() of an array would copy its memory, not its values
        try:
            packed = bytes(values)
            if packed.isascii():
                return packed   # values below 128 are their own one-byte varints (masks, segments)
        except ValueError:      # a value outside 0-255
            pass
    try:
        return b''.join(map(_VARINT_OF.__getitem__, values))   # token ids, without a Python loop
    except KeyError:
        return b''.join([_VARINT_OF.get(v) or _varint(v) for v in values])


INT64_LIST, FLOAT_LIST = 3, 2   # field numbers of tf.train.Feature's kinds


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field (wire type 2)."""
    size = len(payload)
    return _VARINT_OF[number << 3 | 2] + (_VARINT_OF.get(size) or _varint(size)) + payload


def py_encode_example(entries) -> bytes:
    """A serialized tf.train.Example of (name bytes, kind, values, padding, padding_count) entries,
    in the given order: each a Features map entry whose list is the values, then ``padding_count``
    times ``padding``."""
    parts = []
    for name, kind, values, padding, padding_count in entries:
        if padding_count < 0:
            raise ValueError('more values than the feature\'s length')
        if kind == INT64_LIST:
            packed = py_packed_varints(values) + py_packed_varints([padding]) * padding_count
        elif kind == FLOAT_LIST:
            packed = struct.pack('<%df' % (len(values) + padding_count), *values, *[padding] * padding_count)
        else:
            raise ValueError('kind %d is neither a float (2) nor an int64 (3) list' % kind)
        parts.append(_field(1, _field(1, name) + _field(2, _field(kind, _field(1, packed)))))
    return _field(1, b''.join(parts))


_LABEL = struct.Struct('<q')
_LIST_HEADER = struct.Struct('<cI')   # typecode, number of values


_STEP = struct.Struct('<I')             # type 'S': so many zeros, then ones (segment ids)


def _leading_zeros(values) -> int:
    zeros = 0
    for value in values:
        if value != 0:
            break
        zeros += 1
    return zeros


@functools.lru_cache(maxsize=4096)
def _list_format(typecode: str, count: int) -> struct.Struct:
    return struct.Struct('<%d%s' % (count, typecode))


def _narrowest(values, typecodes: str):
    """(typecode, little-endian bytes) of the first type that holds every value.

    struct.pack, not array.array(typecode, values): it converts a list of ints in a third of the time.
    """
    for typecode in typecodes:
        if typecode == 'S':
            zeros = _leading_zeros(values)
            if all(value == 1 for value in values[zeros:]):
                return typecode, _STEP.pack(zeros)
            continue
        try:
            return typecode, _list_format(typecode, len(values)).pack(*values)
        except struct.error:   # a value out of this type's range: try the next wider one
            pass
    raise OverflowError('no list type of %r holds these values' % typecodes)


def py_pack_lists(label: int, lists: Sequence[Sequence[int]], typecodes: Sequence[str]) -> bytes:
    """The label as int64, then per list: its typecode, its length (uint32), its values, packed
    little-endian in the first of its typecodes that holds them all (wwm/records/packed_instances.py); type
    'S' holds zeros then ones, stored as the number of zeros (uint32)."""
    parts = [_LABEL.pack(label)]
    for values, codes in zip(lists, typecodes, strict=True):
        typecode, packed = _narrowest(values, codes)
        parts.append(_LIST_HEADER.pack(typecode.encode(), len(values)))
        parts.append(packed)
    return b''.join(parts)


def py_unpack_lists(data, count: int) -> Tuple[int, List[List[int]]]:
    """(label, lists) of py_pack_lists' bytes, or of a memoryview of them; ValueError, as in C, on
    bytes cut short or not written by it."""
    try:
        return _unpack_lists(data, count)
    except struct.error as error:
        raise ValueError('truncated or malformed packed lists: %s' % error) from None


def _unpack_lists(data, count: int) -> Tuple[int, List[List[int]]]:
    lists = []
    offset = _LABEL.size
    for _ in range(count):
        typecode, length = _LIST_HEADER.unpack_from(data, offset)
        if typecode == b'S':
            (zeros,) = _STEP.unpack_from(data, offset + _LIST_HEADER.size)
            if zeros > length:
                raise ValueError('a step list with more zeros than values')
            lists.append([0] * zeros + [1] * (length - zeros))
            offset += _LIST_HEADER.size + _STEP.size
            continue
        values = _list_format(typecode.decode(), length)
        lists.append(list(values.unpack_from(data, offset + _LIST_HEADER.size)))
        offset += _LIST_HEADER.size + values.size
    return _LABEL.unpack_from(data, 0)[0], lists


def py_group_tokens(offsets: Sequence[Tuple[int, int]], piece_words: Sequence,
                    spans: Sequence[Tuple[int, int]], length: int,
                    first_group: int = 0) -> Tuple[List[int], int, int]:
    """Masking-group number of each token, from token offsets and word spans in one string, and
    the counts of tokens outside every segmenter word (unaligned) and of tokens spanning several.

    Token i continues the group of token i-1 when both lie in one segmenter word, or when token i is
    a "##" piece of the same WordPiece word (``piece_words`` holds the pre-tokenizer word of each
    token): groups are the union of the segmenter's words and WordPiece's own words. A token's words
    are those of its characters (characters outside every word, such as spaces, aside); a token
    outside every segmenter word falls back to WordPiece grouping alone, and is counted. Offsets are
    non-negative (spans may be (-1, -1): a word not found in the string).
    """
    char_word = [-1] * length
    for index, (start, end) in enumerate(spans):
        if start >= 0:
            char_word[start:end] = [index] * (end - start)
    groups = []
    unaligned = multi_word = 0
    group = first_group - 1
    previous_last = -2
    previous_piece_word = None
    for (start, end), piece_word in zip(offsets, piece_words):
        if start < 0:
            raise ValueError('token offsets must not be negative')
        first = char_word[start] if start < length else -1
        last = char_word[end - 1] if 0 < end <= length else -1
        # A token may begin or end outside every word (a Metaspace '▁' or a space merged into
        # a BPE token): its words are those of its other characters.
        if first < 0 < end - start:
            first = next((char_word[c] for c in range(start + 1, min(end, length)) if char_word[c] >= 0), -1)
        if last < 0 < end - start and first >= 0:
            last = next(char_word[c] for c in range(min(end, length) - 1, start - 1, -1) if char_word[c] >= 0)
        same_piece_word = piece_word is not None and piece_word == previous_piece_word
        if first < 0 or last < 0:
            unaligned += 1
            if not same_piece_word:
                group += 1
            previous_last = -2
        else:
            multi_word += first != last
            if first > previous_last and not same_piece_word:
                group += 1
            if last > previous_last:
                previous_last = last
        previous_piece_word = piece_word
        groups.append(group)
    return groups, unaligned, multi_word


candidate_groups = compiled.candidate_groups if compiled else py_candidate_groups
choose_groups = compiled.choose_groups if compiled else py_choose_groups
replace_per_token = compiled.replace_per_token if compiled else py_replace_per_token
encode_example = compiled.encode_example if compiled else py_encode_example
pack_lists = compiled.pack_lists if compiled else py_pack_lists
unpack_lists = compiled.unpack_lists if compiled else py_unpack_lists
group_tokens = compiled.group_tokens if compiled else py_group_tokens
