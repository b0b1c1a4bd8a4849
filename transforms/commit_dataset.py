"""Make a finished dataset visible: move shards into place, write rejects and vocab, manifest last.

Runs once, after every shard is written, so a directory holding ``manifest.json`` is complete and a
killed run leaves none. The manifest is written to a temp name and renamed, so it is whole or
absent; then the run marker goes (beam_jobs/output_folder.py: the reject files are listed in it
before they are written). ``.incomplete/`` and the run files are deleted before the manifest is
written, so a disk that fills at the manifest leaves nothing of them. A failure in the commit
removes the temp manifest and goes up; what is in place stays listed in the marker, and the
launcher's clean-up of a failed job (output_folder.remove_unfinished_run) deletes exactly that.
Each step can be repeated: a retried commit gives the same directory, and one that finds a shard
neither in ``.incomplete/`` nor in place fails rather than list it.
"""
import json

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from beam_jobs import output_folder
from beam_jobs.output_folder import write_file
from schemas import manifest as manifest_schema
from schemas.output_layout import (INCOMPLETE_DIR, MANIFEST_NAME, MANIFEST_TEMP_NAME, VOCAB_NAME,
                                   reject_name)
from transforms.write_shards import runs_folder


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
    def __init__(self, output_dir, options, masking, layouts, sort_temp_dir, runner):
        self._output_dir = output_dir
        self._runner = runner
        self._runs_dir = runs_folder(output_dir, sort_temp_dir)
        self._options = options
        self._masking = masking
        self._layouts = layouts

    def process(self, _, shards, counts, dropped_samples, vocab):
        temp_dir = FileSystems.join(self._output_dir, INCOMPLETE_DIR)
        try:
            manifest = self._commit(temp_dir, shards, counts, dropped_samples, vocab)
        except BaseException:
            # Only the temp manifest: the shards still in .incomplete/ are what a retried commit
            # (Dataflow, Flink) finishes from; the launcher removes them once the job has failed.
            output_folder.delete_quietly([FileSystems.join(self._output_dir, MANIFEST_TEMP_NAME)])
            raise
        output_folder.remove_marker(self._output_dir)
        yield manifest

    def _commit(self, temp_dir, shards, counts, dropped_samples, vocab) -> dict:
        vocab_info, vocab_bytes = vocab
        _check_complete(shards, counts, self._layouts)
        for _, shard in shards:
            source = FileSystems.join(temp_dir, shard.file_name)
            destination = FileSystems.join(self._output_dir, shard.file_name)
            if FileSystems.exists(source):
                FileSystems.rename([source], [destination])
            elif not FileSystems.exists(destination):
                raise IncompleteDataset('shard %s is neither in %s nor in place; nothing was committed'
                                        % (shard.file_name, INCOMPLETE_DIR))
        reject_files = [reject_name(reason) for reason in sorted(dropped_samples)]
        output_folder.add_to_marker(self._output_dir, reject_files)
        for name, (_, records) in zip(reject_files, sorted(dropped_samples.items())):
            lines = [json.dumps(record._asdict(), ensure_ascii=False) + '\n' for record in records]
            write_file(FileSystems.join(self._output_dir, name), ''.join(lines).encode('utf-8'))
        write_file(FileSystems.join(self._output_dir, vocab_info.get('file', VOCAB_NAME)), vocab_bytes)
        output_folder.delete_folder(temp_dir)
        if self._runs_dir != temp_dir:
            output_folder.delete_folder(self._runs_dir)
        formats = {name: dict(layout, shards=[info for fmt, info in shards if fmt == name])
                   for name, layout in self._layouts.items()}
        manifest = manifest_schema.build_manifest(self._options, vocab_info, counts,
                                                  self._masking, formats, reject_files,
                                                  manifest_schema.software(self._runner))
        output_folder.write_atomically(FileSystems.join(self._output_dir, MANIFEST_NAME),
                                       FileSystems.join(self._output_dir, MANIFEST_TEMP_NAME),
                                       manifest_schema.dumps(manifest))
        return manifest


class CommitDataset(beam.PTransform):
    """(output format, ShardInfo) PCollection (+ counts and reject samples as side inputs) -> manifest.

    ``layouts`` maps each output format to what its readers need (schemas.manifest.format_layout).
    ``sort_temp_dir``: WriteShards' option of the same name, whose run files are deleted too.
    ``runner``: the runner's name, for the manifest's software section (schemas.manifest.software).
    ``vocab``: a PCollection of one (the manifest's vocab entry, the tokenizer file's bytes): the
    run's tokenizer may be trained in the job.
    """

    def __init__(self, output_dir, options, vocab, masking, layouts, counts,
                 dropped_samples, sort_temp_dir=None, runner='DirectRunner'):
        super().__init__()
        self._commit = _Commit(output_dir, options, masking, layouts, sort_temp_dir, runner)
        self._counts = counts
        self._dropped_samples = dropped_samples
        self._vocab = vocab

    def expand(self, shards):
        return (shards.pipeline
                | 'Once' >> beam.Create([None])
                | 'Commit' >> beam.ParDo(self._commit, beam.pvalue.AsList(shards),
                                         beam.pvalue.AsList(self._counts),
                                         beam.pvalue.AsDict(self._dropped_samples),
                                         beam.pvalue.AsSingleton(self._vocab)))
