"""Make a finished dataset visible: move shards into place, write rejects and vocab, manifest last.

Runs once, after every shard is written, so a directory holding ``manifest.json`` is complete and a
killed run leaves none. Each step can be repeated: a retried commit gives the same directory.
"""
import json

import apache_beam as beam
from apache_beam.io.filesystems import CompressionTypes, FileSystems

from schemas import manifest as manifest_schema
from transforms.write_shards import INCOMPLETE_DIR, runs_folder

REJECTS_DIR = 'rejects'
VOCAB_NAME = 'vocab.txt'


def delete_folder(folder: str) -> bool:
    """Delete a folder of files on any Beam filesystem; True if there was anything to delete.

    Object stores (gs://) have no folders, only objects under a prefix, where deleting or testing the
    folder's own name finds nothing: its files are matched and deleted, then the folder if it exists.
    """
    files = [m.path for m in FileSystems.match([FileSystems.join(folder, '*')])[0].metadata_list]
    if files:
        FileSystems.delete(files)
    if FileSystems.exists(folder):
        FileSystems.delete([folder])
        return True
    return bool(files)


def _write(path: str, data: bytes) -> None:
    with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        handle.write(data)


class IncompleteDataset(RuntimeError):
    """The shards do not hold every instance that was made: the dataset is not committed."""


def _check_complete(shards, counts, layouts) -> None:
    """Each format's shards hold as many records as instances were counted, or IncompleteDataset.

    The counts are summed from the instances before the shard shuffle; a record lost (or doubled)
    on its way to a shard would otherwise give a manifest that looks complete.
    """
    instances = sum(value for name, value in counts if name == 'instances')
    for output_format in layouts:
        records = sum(info.records for fmt, info in shards if fmt == output_format)
        if records != instances:
            raise IncompleteDataset('%s shards hold %d records but %d instances were made; nothing '
                                    'was committed' % (output_format, records, instances))


class _Commit(beam.DoFn):
    def __init__(self, output_dir, options, vocab_info, vocab_bytes, masking, layouts, sort_temp_dir):
        self._output_dir = output_dir
        self._runs_dir = runs_folder(output_dir, sort_temp_dir)
        self._options = options
        self._vocab_info = vocab_info
        self._vocab_bytes = vocab_bytes
        self._masking = masking
        self._layouts = layouts

    def process(self, _, shards, counts, dropped_samples):
        _check_complete(shards, counts, self._layouts)
        temp_dir = FileSystems.join(self._output_dir, INCOMPLETE_DIR)
        for _, shard in shards:
            source = FileSystems.join(temp_dir, shard.file_name)
            if FileSystems.exists(source):
                FileSystems.rename([source], [FileSystems.join(self._output_dir, shard.file_name)])
        reject_files = []
        for reason, records in sorted(dropped_samples.items()):
            name = '%s/%s.jsonl' % (REJECTS_DIR, reason)
            lines = [json.dumps(record._asdict(), ensure_ascii=False) + '\n' for record in records]
            _write(FileSystems.join(self._output_dir, name), ''.join(lines).encode('utf-8'))
            reject_files.append(name)
        _write(FileSystems.join(self._output_dir, VOCAB_NAME), self._vocab_bytes)
        formats = {name: dict(layout, shards=[info for fmt, info in shards if fmt == name])
                   for name, layout in self._layouts.items()}
        manifest = manifest_schema.build_manifest(self._options, self._vocab_info, counts,
                                                  self._masking, formats, reject_files)
        _write(FileSystems.join(self._output_dir, manifest_schema.MANIFEST_NAME),
               manifest_schema.dumps(manifest))
        delete_folder(temp_dir)
        if self._runs_dir != temp_dir:
            delete_folder(self._runs_dir)
        yield manifest


class CommitDataset(beam.PTransform):
    """(output format, ShardInfo) PCollection (+ counts and reject samples as side inputs) -> manifest.

    ``layouts`` maps each output format to what its readers need (schemas.manifest.format_layout).
    ``sort_temp_dir``: WriteShards' option of the same name, whose run files are deleted too.
    """

    def __init__(self, output_dir, options, vocab_info, vocab_bytes, masking, layouts, counts,
                 dropped_samples, sort_temp_dir=None):
        super().__init__()
        self._commit = _Commit(output_dir, options, vocab_info, vocab_bytes, masking, layouts,
                               sort_temp_dir)
        self._counts = counts
        self._dropped_samples = dropped_samples

    def expand(self, shards):
        return (shards.pipeline
                | 'Once' >> beam.Create([None])
                | 'Commit' >> beam.ParDo(self._commit, beam.pvalue.AsList(shards),
                                         beam.pvalue.AsList(self._counts),
                                         beam.pvalue.AsDict(self._dropped_samples)))
