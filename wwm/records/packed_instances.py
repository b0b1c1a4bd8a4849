"""A TrainingInstance as compact bytes, for the shuffle that orders instances into shards.

Every instance crosses the runner's shuffle (on the local runner, the runner relays it three times)
before a writer encodes it. Pickled, a list of token ids costs 3 bytes an id; here each list is
packed in the narrowest type that holds its values, 2 bytes an id for any vocab under 65,536
entries, and segment ids (zeros, then ones) as the number of zeros: a seq-128 instance takes 378
bytes instead of 777 pickled, a seq-512 one about 1,375 instead of 3,014 (502 and 1,878 with a
byte a segment id); the shuffle's bytes, and what the runner spends and holds for them, fall by
half. Packing and unpacking run in C (kernels.pack_lists, unpack_lists): 1.4 + 3.1 us at seq
128, 5.1 + 13.3 at seq 512, against 5.8 + 5.5 and 12.6 + 17.3 for the Python reference (timeit).
"""
from array import array
from typing import Tuple

from schemas.records import TrainingInstance
from wwm.native import kernels
from wwm.records.balanced_shards import record_payload
from wwm.records.external_sort import split_run

# The narrowest array types tried for each list field, in order; 'q' (int64) holds any value.
_TYPECODES = {
    'input_ids': 'HIq',
    'segment_ids': 'SBHq',   # 'S': zeros then ones, as segment ids are, in 4 bytes
    'masked_lm_positions': 'HIq',
    'masked_lm_ids': 'HIq',
    'word_ids': 'hiq',       # -1 at [CLS]/[SEP]
    'chinese_ref': 'HIq',
}
_LIST_INDEXES = tuple(index for index, name in enumerate(TrainingInstance._fields) if name in _TYPECODES)
LIST_FIELDS = tuple(TrainingInstance._fields[index] for index in _LIST_INDEXES)   # in packed order
_LIST_TYPECODES = tuple(_TYPECODES[TrainingInstance._fields[index]] for index in _LIST_INDEXES)
_LABEL_INDEX = TrainingInstance._fields.index('next_sentence_label')


def pack_instance(instance: TrainingInstance) -> bytes:
    """The label, then each list field in the narrowest of its types (kernels.pack_lists)."""
    return kernels.pack_lists(instance[_LABEL_INDEX], [instance[index] for index in _LIST_INDEXES],
                              _LIST_TYPECODES)


def unpack_instance(data) -> TrainingInstance:
    """The instance of pack_instance's bytes (or a memoryview of them)."""
    label, fields = kernels.unpack_lists(data, len(_LIST_INDEXES))
    fields.insert(_LABEL_INDEX, label)
    return TrainingInstance._make(fields)


def py_run_columns(data) -> Tuple[int, bytes, list]:
    """The reference of run_columns: each record of the run unpacked on its own."""
    labels, values = array('i'), [array('i') for _ in LIST_FIELDS]
    offsets = [array('i', [0]) for _ in LIST_FIELDS]
    try:
        for record in split_run(data):
            instance = unpack_instance(record_payload(record))
            labels.append(instance.next_sentence_label)
            for index, name in enumerate(LIST_FIELDS):
                values[index].extend(getattr(instance, name))
                offsets[index].append(len(values[index]))
    except OverflowError as error:
        raise ValueError('a value does not fit int32: %s' % error) from None
    return len(labels), labels.tobytes(), [(v.tobytes(), o.tobytes()) for v, o in zip(values, offsets)]


def run_columns(data) -> Tuple[int, bytes, list]:
    """(records, labels, [(values, offsets)] per LIST_FIELDS entry) of a whole run file's bytes
    (external_sort.write_run of shard records), as the int32 buffers of Arrow list columns, in
    one call to C where the extension was built: the columnar writers took 25 us a seq-128
    record unpacking each instance into lists and letting pyarrow convert them, against 1.7 for
    TFRecord."""
    if kernels.compiled is None:
        return py_run_columns(data)
    labels, lists, consumed, records = kernels.compiled.columns_run(data, len(LIST_FIELDS))
    if consumed != len(data):
        raise ValueError('truncated run: %d bytes after the last record' % (len(data) - consumed))
    return records, labels, list(lists)
