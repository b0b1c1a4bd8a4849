"""The Arrow schema of the columnar outputs (Arrow IPC and Parquet): one row per instance, unpadded.

Two schemas, one per masking mode, drawn from the one column list below rather than one schema with
columns left empty: a column that is always empty reads like data, and a trainer written for dynamic
masking pointed at a static dataset should fail on a missing ``word_ids`` column, not train on
empty groups. Variable data are list columns; int32 holds any vocab id, position or group number.
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


def arrow_schema(masking: str) -> pa.Schema:
    """The schema of every Arrow and Parquet shard of a dataset made with this masking mode."""
    return pa.schema([pa.field(c.name, c.type, nullable=False) for c in columns_for(masking)],
                     metadata={'masking': masking})


def describe(masking: str) -> list:
    """The schema as plain data, for the manifest."""
    return [{'name': c.name, 'type': str(c.type), 'meaning': c.meaning} for c in columns_for(masking)]
