"""Every name in a dataset folder, in one place: what the job writes, reads back and may delete.

A finished dataset folder holds::

    manifest.json                      MANIFEST_NAME, written last (whole or absent)
    vocab.txt or tokenizer.json        VOCAB_NAME (--vocab_file, a trained WordPiece vocab) or
                                       TOKENIZER_NAME (--tokenizer, --train_tokenizer bpe)
    part-00000-of-00004.tfrecord ...   shard_name(index, num_shards, extension), per output format
    index.json                         MDS_INDEX_NAME: MosaicML streaming's index of the .mds shards
    rejects/too_short.jsonl ...        reject_name(reason): a sample of the documents dropped for it

and while a run is unfinished, also::

    .zh-wwm-data-run.json              RUN_MARKER_NAME: every path the run may create
    .incomplete/part-...               INCOMPLETE_DIR: shards before the commit moves them in place
    .incomplete/run-000000.bin ...     run_name(piece): the sorted pieces of the shard shuffle
    .manifest.json.tmp                 MANIFEST_TEMP_NAME (and the marker's temp name)

The run files go under ``.incomplete/`` unless --sort_temp_dir names another place; there they go
in a folder of their own, runs_folder_name(output dir). Paths here are relative to the dataset
folder and '/'-separated; joining them to a folder is left to Beam's FileSystems (local or gs://).
"""
import hashlib
import re

from wwm.records.shard_writers import OUTPUT_FORMATS, TFRECORD_COMPRESSIONS, output_specs

MANIFEST_NAME = 'manifest.json'
VOCAB_NAME = 'vocab.txt'
MDS_INDEX_NAME = 'index.json'   # where streaming.StreamingDataset looks for it
TOKENIZER_NAME = 'tokenizer.json'
REJECTS_DIR = 'rejects'
INCOMPLETE_DIR = '.incomplete'
RUN_MARKER_NAME = '.zh-wwm-data-run.json'
TEMP_SUFFIX = '.tmp'
MANIFEST_TEMP_NAME = '.' + MANIFEST_NAME + TEMP_SUFFIX
RUN_MARKER_TEMP_NAME = RUN_MARKER_NAME + TEMP_SUFFIX
RUN_FILES_GLOB = 'run-*.bin'   # every run_name, as a FileSystems.match pattern

# The extensions of every output format and compression, whatever the run's options.
_EXTENSIONS = sorted({spec.extension for compression in TFRECORD_COMPRESSIONS
                      for spec in output_specs(OUTPUT_FORMATS, compression, 'static', 0, 0)})
_SHARD = re.compile(r'part-\d{5,}-of-\d{5,}\.(?:%s)\Z' % '|'.join(map(re.escape, _EXTENSIONS)))
_REJECT = re.compile(r'%s/[a-z_]+\.jsonl\Z' % REJECTS_DIR)
_RUN_FILE = re.compile(r'run-\d{6}\.bin\Z')
_RUNS_FOLDER = re.compile(r'runs-[0-9a-f]{16}\Z')


def shard_name(index: int, num_shards: int, extension: str) -> str:
    """Shard ``index`` of ``num_shards`` of one output format: sorts in shard order."""
    return 'part-%05d-of-%05d.%s' % (index, num_shards, extension)


def reject_name(reason: str) -> str:
    """The file of the rejects sample for one drop reason."""
    return '%s/%s.jsonl' % (REJECTS_DIR, reason)


def run_name(piece: int) -> str:
    """The sorted run of one piece of the shard shuffle: named by the piece alone, so a retried
    element rewrites the same file."""
    return 'run-%06d.bin' % piece


def runs_folder_name(output_dir: str) -> str:
    """The runs folder of ``output_dir``'s dataset under --sort_temp_dir: named after the output
    directory, so that every attempt and re-run of one dataset uses the same folder (a killed run's
    leftovers are found) and two datasets never share one."""
    return 'runs-%s' % hashlib.sha256(output_dir.encode('utf-8')).hexdigest()[:16]


def is_shard_name(path: str) -> bool:
    """Whether ``path`` is a shard name of some output format (any run's options), or the MDS
    index, which the job writes and lists with the shards."""
    return bool(_SHARD.match(path)) or path == MDS_INDEX_NAME


def is_reject_name(path: str) -> bool:
    return bool(_REJECT.match(path))


def is_run_name(name: str) -> bool:
    return bool(_RUN_FILE.match(name))


def is_runs_folder_name(name: str) -> bool:
    return bool(_RUNS_FOLDER.match(name))
