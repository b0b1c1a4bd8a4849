"""``manifest.json``: what a dataset holds, how it was made, and how to verify it.

Written last, after every shard of every output format is in place: a directory with a manifest is
complete. ``formats`` has one entry per output format with its shards (name, records, bytes,
sha256) and the layout a reader needs: the TFRecord feature set or the Arrow schema.
"""
import json

from schemas import bert_features, instance_columns

MANIFEST_NAME = 'manifest.json'
FORMAT_VERSION = 2
# A count named (SOURCE_KEY, source file, name) is that source's share of the total ``name``.
SOURCE_KEY = 'source'
DROPPED_PREFIX = 'dropped.'
SOURCE_COUNTS = ('documents_read', 'documents_kept', 'characters_read', 'characters_kept', 'tokens')


def _split_dropped(counts: dict) -> tuple:
    """(counts without the ``dropped.<reason>`` ones, {reason: count}), both sorted."""
    dropped = {name[len(DROPPED_PREFIX):]: value for name, value in counts.items()
               if name.startswith(DROPPED_PREFIX)}
    totals = {name: value for name, value in counts.items() if not name.startswith(DROPPED_PREFIX)}
    return dict(sorted(totals.items())), dict(sorted(dropped.items()))


def split_counts(counts) -> tuple:
    """(name, value) pairs -> (totals, dropped by reason, {source: its counts and drops})."""
    totals, by_source = {}, {}
    for name, value in counts:
        if isinstance(name, tuple) and name[0] == SOURCE_KEY:
            by_source.setdefault(name[1], {})[name[2]] = value
        else:
            totals[name] = value
    sources = {}
    for source, source_counts in sorted(by_source.items()):
        kept, dropped = _split_dropped(source_counts)
        sources[source] = dict({name: kept.get(name, 0) for name in SOURCE_COUNTS}, dropped=dropped)
    return _split_dropped(totals) + (sources,)


def format_layout(output_format: str, compression: str, masking: str, max_seq_length: int,
                  max_predictions_per_seq: int) -> dict:
    """What a reader of one output format needs besides the files."""
    if output_format == 'tfrecord':
        return {'compression': compression,
                'features': bert_features.describe(max_seq_length, max_predictions_per_seq, masking)}
    return {'compression': 'zstd', 'schema': instance_columns.describe(masking)}


def build_manifest(options: dict, vocab: dict, counts, masking: str, formats: dict,
                   rejects: list) -> dict:
    """The manifest as plain data; every mapping sorted so the file is reproducible.

    ``counts``: (name, value) pairs, per-source ones named (SOURCE_KEY, source, name).
    ``formats`` maps each output format to its layout (see format_layout) plus ``shards``, a list
    of ShardInfo.
    """
    totals, dropped, sources = split_counts(counts)
    return {
        'format_version': FORMAT_VERSION,
        'options': dict(sorted(options.items())),
        'vocab': vocab,
        'counts': totals,
        'dropped': dropped,
        'sources': sources,
        'rejects': sorted(rejects),
        'masking': masking,
        'formats': {name: dict(layout, shards=[shard._asdict() for shard in sorted(layout['shards'])])
                    for name, layout in sorted(formats.items())},
    }


def tokens_by_source(manifest: dict) -> dict:
    """{input file: tokens it contributed} from a manifest's ``sources`` section."""
    return {source: counts.get('tokens', 0) for source, counts in manifest.get('sources', {}).items()}


def dumps(manifest: dict) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + '\n').encode('utf-8')
