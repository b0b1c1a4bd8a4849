"""``manifest.json``: what a dataset holds, how it was made, and how to verify it.

Written last, after every shard of every output format is in place: a directory with a manifest is
complete. ``formats`` has one entry per output format with its shards (name, records, bytes,
sha256) and the layout a reader needs: the TFRecord feature set or the Arrow schema. ``software``
says what made it: the versions, the runner and whether the C kernels ran.
"""
import json
from importlib import metadata
from typing import Optional

from schemas import bert_features, instance_columns
from schemas.output_layout import MANIFEST_NAME  # noqa: F401 (the layout names every file)
from schemas.records import ShardInfo

DISTRIBUTION = 'zh-wwm-data'  # setup.py's name
FORMAT_VERSION = 2
# A count named (SOURCE_KEY, source file, name) is that source's share of the total ``name``.
SOURCE_KEY = 'source'
DROPPED_PREFIX = 'dropped.'
# Tokens that are [UNK]: the vocab lacks their characters. A count named (UNKNOWN_CHAR, character)
# is how often that character was behind one; the manifest lists the UNKNOWN_CHARACTERS_TOP most.
UNKNOWN_TOKENS = 'unknown_tokens'
UNKNOWN_CHAR = 'unknown_char'
UNKNOWN_CHARACTERS_TOP = 20
# Tokens spanning several segmenter words: each joins those words into one masking group.
MULTI_WORD_TOKENS = 'multi_word_tokens'
SOURCE_COUNTS = ('documents_read', 'documents_kept', 'characters_read', 'characters_kept', 'tokens',
                 UNKNOWN_TOKENS, 'lines_read', 'undecodable_lines')
# A source that loses more than this share of its lines to undecodable bytes is warned about.
UNDECODABLE_WARNING_SHARE = 0.01


def undecodable_warnings(sources: dict) -> list:
    """One line per source (split_counts' third part) that lost more than
    UNDECODABLE_WARNING_SHARE of its lines to bytes its encoding does not decode."""
    return ['%s: %d of %d lines (%.1f%%) held bytes that do not decode, replaced by U+FFFD; '
            'check --input_encoding' % (source, counts['undecodable_lines'], counts['lines_read'],
                                        100 * counts['undecodable_lines'] / counts['lines_read'])
            for source, counts in sources.items()
            if counts['undecodable_lines'] > UNDECODABLE_WARNING_SHARE * counts['lines_read']]


def _split_dropped(counts: dict) -> tuple:
    """(counts without the ``dropped.<reason>`` ones, {reason: count}), both sorted."""
    dropped = {name[len(DROPPED_PREFIX):]: value for name, value in counts.items()
               if name.startswith(DROPPED_PREFIX)}
    totals = {name: value for name, value in counts.items() if not name.startswith(DROPPED_PREFIX)}
    return dict(sorted(totals.items())), dict(sorted(dropped.items()))


def split_counts(counts) -> tuple:
    """(name, value) pairs -> (totals, dropped by reason, {source: its counts and drops}); the
    (UNKNOWN_CHAR, character) counts are left out (see unknown_characters)."""
    totals, by_source = {UNKNOWN_TOKENS: 0, MULTI_WORD_TOKENS: 0}, {}
    for name, value in counts:
        if isinstance(name, tuple) and name[0] == SOURCE_KEY:
            by_source.setdefault(name[1], {})[name[2]] = value
        elif not (isinstance(name, tuple) and name[0] == UNKNOWN_CHAR):
            totals[name] = value
    sources = {}
    for source, source_counts in sorted(by_source.items()):
        kept, dropped = _split_dropped(source_counts)
        sources[source] = dict({name: kept.get(name, 0) for name in SOURCE_COUNTS}, dropped=dropped)
    return _split_dropped(totals) + (sources,)


def unknown_characters(counts) -> list:
    """[[character, count], ...] of the UNKNOWN_CHARACTERS_TOP characters most often behind an
    [UNK], from the (UNKNOWN_CHAR, character) counts: by count, then character, so ties are
    listed the same on every run."""
    chars = [(-value, name[1]) for name, value in counts
             if isinstance(name, tuple) and name[0] == UNKNOWN_CHAR]
    return [[char, -value] for value, char in sorted(chars)[:UNKNOWN_CHARACTERS_TOP]]


def format_layout(output_format: str, compression: str, masking: str, max_seq_length: int,
                  max_predictions_per_seq: int, vocab_size=None) -> dict:
    """What a reader of one output format needs besides the files (an OutputSpec's fields)."""
    if output_format == 'tfrecord':
        return {'compression': compression,
                'features': bert_features.describe(max_seq_length, max_predictions_per_seq, masking)}
    return {'compression': compression, 'schema': instance_columns.describe(masking, vocab_size)}


def software(runner: str) -> dict:
    """What made the dataset, for whoever compares two runs: the project's and Beam's versions, the
    runner, and which C kernel families loaded in the process that writes the manifest (a worker:
    the same install as the others). The bytes do not depend on the kernels, the time does: a run
    that fell back to Python is explained here. ``zh_wwm_data`` is None when the project runs from
    a checkout that was never installed."""
    import apache_beam  # here, not at the top: `inspect` reads manifests without importing Beam
    from wwm.native import native_kernels
    try:
        version = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        version = None
    return {'zh_wwm_data': version, 'apache_beam': apache_beam.__version__, 'runner': runner,
            'native_kernels': native_kernels()}


def build_manifest(options: dict, vocab: dict, counts, masking: str, formats: dict,
                   rejects: list, software_section: Optional[dict] = None) -> dict:
    """The manifest as plain data; every mapping sorted so the file is reproducible.

    ``counts``: (name, value) pairs, per-source ones named (SOURCE_KEY, source, name).
    ``formats`` maps each output format to its layout (see format_layout) plus ``shards``, a list
    of ShardInfo. ``software_section``: software()'s, left out where None.
    """
    counts = list(counts)
    totals, dropped, sources = split_counts(counts)
    manifest = {
        'format_version': FORMAT_VERSION,
        'options': dict(sorted(options.items())),
        'vocab': vocab,
        'counts': totals,
        'unknown_characters': unknown_characters(counts),
        'dropped': dropped,
        'sources': sources,
        'warnings': undecodable_warnings(sources),
        'rejects': sorted(rejects),
        'masking': masking,
        'formats': {name: dict(layout, shards=[shard._asdict() for shard in sorted(layout['shards'])])
                    for name, layout in sorted(formats.items())},
    }
    if software_section is not None:
        manifest['software'] = software_section
    return manifest


def tokens_by_source(manifest: dict) -> dict:
    """{input file: tokens it contributed} from a manifest's ``sources`` section."""
    return {source: counts.get('tokens', 0) for source, counts in manifest.get('sources', {}).items()}


def dumps(manifest: dict) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + '\n').encode('utf-8')


def without_software(data: bytes) -> bytes:
    """A manifest file's bytes less its ``software`` section: what every run of the same input,
    options and seed writes, whatever runner, Beam version or build of the C kernels made it."""
    manifest = json.loads(data)
    manifest.pop('software', None)
    return dumps(manifest)


# What parse_manifest checks, and what readers of a manifest take from it without looking.
_SECTIONS = {'format_version': int, 'options': dict, 'vocab': dict, 'counts': dict, 'dropped': dict,
             'rejects': list, 'masking': str, 'formats': dict}
# Checked where present: manifests written before the section was added still load.
_OPTIONAL_SECTIONS = {'software': dict, 'unknown_characters': list}


def parse_manifest(data: bytes) -> dict:
    """The manifest in ``data``, checked for what its readers take from it (inspect, the trainer's
    loaders, the job's overwrite); ValueError saying what is wrong: empty, cut short, not JSON, or
    not a manifest."""
    if not data.strip():
        raise ValueError('the file is empty')
    try:
        manifest = json.loads(data)
    except RecursionError:
        raise ValueError('not a manifest: JSON nested too deep') from None
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        raise ValueError('cut short or not JSON: %s' % error) from None
    if not isinstance(manifest, dict):
        raise ValueError('not a manifest: JSON %s, not an object' % type(manifest).__name__)
    for key, kind in _SECTIONS.items():
        if not isinstance(manifest.get(key), kind):
            raise ValueError('not a manifest: %r is missing or of the wrong type' % key)
    for key, kind in _OPTIONAL_SECTIONS.items():
        if key in manifest and not isinstance(manifest[key], kind):
            raise ValueError('not a manifest: %r is of the wrong type' % key)
    if not isinstance(manifest['options'].get('max_seq_length'), int):
        raise ValueError('not a manifest: options.max_seq_length is missing')
    if not all(isinstance(name, str) for name in manifest['rejects']):
        raise ValueError('not a manifest: rejects holds a non-name')
    for name, layout in manifest['formats'].items():
        shards = layout.get('shards') if isinstance(layout, dict) else None
        if not isinstance(shards, list) or not all(
                isinstance(shard, dict) and all(isinstance(shard.get(field), kind)
                                                for field, kind in ShardInfo.__annotations__.items())
                for shard in shards):
            raise ValueError('not a manifest: formats.%s.shards is not a list of shards' % name)
    return manifest
