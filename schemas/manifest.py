"""``manifest.json``: what a dataset holds, how it was made, and how to verify it.

Written last, after every shard is in place: a directory with a manifest is complete.
"""
import json

MANIFEST_NAME = 'manifest.json'
FORMAT_VERSION = 1


def build_manifest(options: dict, vocab: dict, counts: dict, dropped: dict, shards: list,
                   features: list, rejects: list) -> dict:
    """The manifest as plain data; every mapping sorted so the file is reproducible."""
    return {
        'format_version': FORMAT_VERSION,
        'options': dict(sorted(options.items())),
        'vocab': vocab,
        'counts': dict(sorted(counts.items())),
        'dropped': dict(sorted(dropped.items())),
        'features': features,
        'rejects': sorted(rejects),
        'shards': [shard._asdict() for shard in sorted(shards)],
    }


def dumps(manifest: dict) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + '\n').encode('utf-8')
