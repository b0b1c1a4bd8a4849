"""The names of a dataset folder (schemas/output_layout.py): the names made are the names recognised,
the writers and the commit use them, and the user documentation shows the same ones."""
import json

from schemas import output_layout as layout
from schemas.manifest import format_layout
from schemas.records import Dropped, ShardInfo
from tests.conftest import ROOT
from transforms import commit_dataset
from transforms.write_shards import runs_folder
from beam_jobs import output_folder
from wwm.records.shard_writers import OUTPUT_FORMATS, TFRECORD_COMPRESSIONS, output_specs

EXTENSIONS = {spec.extension for compression in TFRECORD_COMPRESSIONS
              for spec in output_specs(OUTPUT_FORMATS, compression, 'dynamic', 128, 20)}


def test_every_name_made_is_recognised_as_the_jobs_and_nothing_else_is():
    for extension in EXTENSIONS:
        names = [layout.shard_name(index, 12, extension) for index in range(12)]
        assert all(layout.is_shard_name(name) for name in names)
        assert sorted(names) == names  # the files list in shard order
    assert not layout.is_shard_name(layout.shard_name(0, 12, 'txt'))
    assert layout.is_reject_name(layout.reject_name('near_duplicate'))
    assert not layout.is_reject_name('notes/near_duplicate.jsonl')
    assert layout.is_run_name(layout.run_name(5)) and not layout.is_run_name('run-5.bin')
    assert layout.is_runs_folder_name(layout.runs_folder_name('gs://bucket/out'))


def test_each_dataset_has_its_own_runs_folder_and_keeps_it_across_runs(tmp_path):
    first, second = str(tmp_path / 'a'), str(tmp_path / 'b')
    assert layout.runs_folder_name(first) == layout.runs_folder_name(first)
    assert layout.runs_folder_name(first) != layout.runs_folder_name(second)
    sort_dir = str(tmp_path / 'sort')
    assert runs_folder(first, sort_dir) == str(tmp_path / 'sort' / layout.runs_folder_name(first))
    assert runs_folder(first) == str(tmp_path / 'a' / layout.INCOMPLETE_DIR)


def test_the_run_marker_lists_the_layouts_names(tmp_path):
    specs = output_specs(['tfrecord', 'parquet'], 'gzip', 'static', 128, 20)
    out = str(tmp_path / 'out')
    planned = output_folder.planned_paths(2, specs, out, runs_folder(out))
    shards = [layout.shard_name(i, 2, spec.extension) for spec in specs for i in range(2)]
    assert sorted(planned) == sorted([layout.MANIFEST_NAME, layout.MANIFEST_TEMP_NAME, layout.VOCAB_NAME,
                                      layout.INCOMPLETE_DIR + '/'] + shards)


def test_a_committed_dataset_holds_exactly_the_layouts_names(tmp_path):
    out = tmp_path / 'out'
    (out / layout.INCOMPLETE_DIR).mkdir(parents=True)
    shard = layout.shard_name(0, 1, 'tfrecord')
    (out / layout.INCOMPLETE_DIR / shard).write_bytes(b'record')
    layouts = {'tfrecord': format_layout('tfrecord', 'none', 'static', 128, 20)}
    commit = commit_dataset._Commit(  # pylint: disable=protected-access
        str(out), {'max_seq_length': 128}, 'static', layouts, None, 'DirectRunner')
    dropped = {'too_short': [Dropped('too_short', 'news.txt:3', 'news.txt', '短')]}
    (manifest,) = commit.process(None, [('tfrecord', ShardInfo(shard, 1, 6, '0' * 64))], [('instances', 1)],
                                 dropped, ({}, b'[PAD]\n'))
    files = sorted(str(p.relative_to(out)) for p in out.rglob('*') if p.is_file())
    assert files == sorted([layout.MANIFEST_NAME, layout.VOCAB_NAME, shard, layout.reject_name('too_short')])
    assert manifest['rejects'] == [layout.reject_name('too_short')]
    assert json.loads((out / layout.MANIFEST_NAME).read_text(encoding='utf-8')) == manifest


def test_the_user_documentation_shows_the_layouts_names():
    outputs_doc = (ROOT / 'docs' / 'outputs.md').read_text(encoding='utf-8')
    for name in (layout.MANIFEST_NAME, layout.MANIFEST_TEMP_NAME, layout.VOCAB_NAME, layout.RUN_MARKER_NAME,
                 layout.INCOMPLETE_DIR + '/', layout.reject_name('<reason>'),
                 layout.shard_name(0, 64, 'tfrecord'), layout.shard_name(0, 64, 'tfrecord.gz')):
        assert name in outputs_doc, name


def test_the_run_marker_of_mds_and_a_tokenizer_json_lists_the_index_and_the_tokenizer(tmp_path):
    specs = output_specs(['mds'], 'none', 'dynamic', 128, 20)
    out = str(tmp_path / 'out')
    planned = output_folder.planned_paths(1, specs, out, runs_folder(out), layout.TOKENIZER_NAME)
    assert sorted(planned) == sorted([layout.MANIFEST_NAME, layout.MANIFEST_TEMP_NAME, layout.TOKENIZER_NAME,
                                      layout.INCOMPLETE_DIR + '/', layout.shard_name(0, 1, 'mds'),
                                      layout.MDS_INDEX_NAME])
