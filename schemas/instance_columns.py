"""The Arrow schema of the columnar outputs (Arrow IPC and Parquet): one row per instance, unpadded.

Two schemas, one per masking mode, drawn from the one column list below rather than one schema with
columns left empty: a column that is always empty reads like data, and a trainer written for dynamic
masking pointed at a static dataset should fail on a missing ``word_ids`` column, not train on
empty groups. Variable data are list columns; int32 holds any position or group number. Token ids
(ID_COLUMNS) take the narrowest type the vocab allows (id_type): int16 up to 32,768 entries (Google's
Chinese vocab has 21,128), which halves those columns before compression. Signed, not uint16, so
that every reader takes them as they are: torch has only limited uint16 support (HuggingFace
datasets casts uint16 to int64 to stay compatible), int16 works in torch, numpy, TF and JAX alike.
"""
from typing import NamedTuple

import pyarrow as pa


class Column(NamedTuple):
    name: str
    type: pa.DataType
    modes: tuple        # masking modes whose rows carry this column
    meaning: str


_IDS = pa.list_(pa.int32())
_BOTH = ('static', 'dynamic')
ID_COLUMNS = ('input_ids', 'masked_lm_ids')    # vocab ids: typed by id_type(vocab size)
_INT16_VOCAB = 1 << 15                          # ids 0..32767

COLUMNS = (
    Column('input_ids', _IDS, _BOTH,
           '[CLS] A [SEP] B [SEP]; static: masked ids, dynamic: unmasked ids'),
    Column('segment_ids', _IDS, _BOTH, '0 for [CLS] A [SEP], 1 for B [SEP]'),
    Column('next_sentence_label', pa.int32(), _BOTH,
           'NSP: 1 when B is random; SOP: 1 when A and B are swapped; 0 without pairs'),
    Column('masked_lm_positions', _IDS, ('static',), 'sorted positions of the masked tokens'),
    Column('masked_lm_ids', _IDS, ('static',), 'original ids at those positions'),
    Column('word_ids', _IDS, ('dynamic',), 'whole-word group of each token; -1 at [CLS] and [SEP]'),
    Column('chinese_ref', _IDS, ('dynamic',),
           'positions ([CLS] = 0) of CJK tokens that continue a word, as HuggingFace uses'),
)


def columns_for(masking: str) -> tuple:
    return tuple(column for column in COLUMNS if masking in column.modes)


def id_type(vocab_size) -> pa.DataType:
    """The integer type of vocab ids: int16 where every id of a ``vocab_size``-entry vocab fits,
    else int32; int32 too when the size is not given (None), as int32 holds any id."""
    return pa.int16() if vocab_size is not None and vocab_size <= _INT16_VOCAB else pa.int32()


def _column_type(column: Column, vocab_size) -> pa.DataType:
    return pa.list_(id_type(vocab_size)) if column.name in ID_COLUMNS else column.type


def arrow_schema(masking: str, vocab_size=None) -> pa.Schema:
    """The schema of every Arrow and Parquet shard of a dataset made with this masking mode and a
    vocab of ``vocab_size`` entries."""
    return pa.schema([pa.field(c.name, _column_type(c, vocab_size), nullable=False)
                      for c in columns_for(masking)], metadata={'masking': masking})


def describe(masking: str, vocab_size=None) -> list:
    """The schema as plain data, for the manifest."""
    return [{'name': c.name, 'type': str(_column_type(c, vocab_size)), 'meaning': c.meaning}
            for c in columns_for(masking)]
