"""``manifest.json``: what a dataset holds, how it was made, and how to verify it.

Written last, after every shard of every output format is in place: a directory with a manifest is
complete. ``formats`` has one entry per output format with its shards (name, records, bytes,
sha256) and the layout a reader needs: the TFRecord feature set or the Arrow schema.
"""
import json

from schemas import bert_features, instance_columns

MANIFEST_NAME = 'manifest.json'
FORMAT_VERSION = 2


def format_layout(output_format: str, compression: str, masking: str, max_seq_length: int,
                  max_predictions_per_seq: int) -> dict:
    """What a reader of one output format needs besides the files."""
    if output_format == 'tfrecord':
        return {'compression': compression,
                'features': bert_features.describe(max_seq_length, max_predictions_per_seq, masking)}
    return {'compression': 'zstd', 'schema': instance_columns.describe(masking)}


def build_manifest(options: dict, vocab: dict, counts: dict, dropped: dict, tokens_by_source: dict,
                   masking: str, formats: dict, rejects: list) -> dict:
    """The manifest as plain data; every mapping sorted so the file is reproducible.

    ``formats`` maps each output format to its layout (see format_layout) plus ``shards``, a list
    of ShardInfo.
    """
    return {
        'format_version': FORMAT_VERSION,
        'options': dict(sorted(options.items())),
        'vocab': vocab,
        'counts': dict(sorted(counts.items())),
        'dropped': dict(sorted(dropped.items())),
        'tokens_by_source': dict(sorted(tokens_by_source.items())),
        'rejects': sorted(rejects),
        'masking': masking,
        'formats': {name: dict(layout, shards=[shard._asdict() for shard in sorted(layout['shards'])])
                    for name, layout in sorted(formats.items())},
    }


def dumps(manifest: dict) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + '\n').encode('utf-8')
