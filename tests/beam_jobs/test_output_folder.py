"""The job deletes or overwrites only what it provably wrote (beam_jobs/output_folder.py): a user's
files in --output_dir are refused or kept, never touched; inputs inside it are refused; --overwrite
and the re-run of a killed run delete exactly what a manifest or run marker lists; the commit's
manifest is whole or absent."""
import errno
import hashlib
import json

import pytest
from apache_beam.io.filesystems import FileSystems

from beam_jobs import output_folder
from beam_jobs.build_pretraining_data import run
from beam_jobs.config import build_config
from beam_jobs.options import UsageError, dataset_plans, parse_options
from schemas.manifest import build_manifest, dumps, format_layout
from schemas.output_layout import MANIFEST_TEMP_NAME, RUN_MARKER_NAME
from schemas.records import Dropped, ShardInfo
from tests.conftest import DEMO_CORPUS
from transforms import commit_dataset

MARKER = RUN_MARKER_NAME


def _tree(folder) -> dict:
    """sha256 of every file under ``folder`` (hidden ones too), by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob('*')) if p.is_file()}


def _job(out, vocab, *extra) -> list:
    return ['--input', str(DEMO_CORPUS / 'news.txt'), '--output_dir', str(out), '--vocab_file', str(vocab),
            '--dupe_factor', '1', '--num_shards', '2'] + list(extra)


def _refused(capsys, args) -> str:
    """The job's one stderr line, asserting it refused ``args`` with exit code 2 before any pipeline."""
    code = run(args)
    err = capsys.readouterr().err
    assert code == 2 and err.count('\n') == 1 and 'Traceback' not in err, err
    return err


def _options(out, vocab, *extra):
    """The job's options for ``out`` as the run uses them, checked (the folder checks included)."""
    return build_config(parse_options(_job(out, vocab, *extra))).resolved_options()


def _user_files(folder) -> dict:
    files = {'part-of-my-thesis.txt': '我的论文\n', 'notes/todo.txt': 'todo\n'}
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding='utf-8')
    return files


@pytest.mark.parametrize('option', ['--input', '--vocab_file', '--user_dict'])
def test_an_input_inside_the_output_folder_is_refused_and_left_as_it_is(option, tmp_path, capsys,
                                                                      real_vocab_path):
    """The issue's case: a corpus file named part-00000.txt in the output folder, given as --input,
    was deleted by the clean-up of 'leftovers' and the job then crashed on it."""
    out = tmp_path / 'out'
    out.mkdir()
    name, data = {'--input': ('part-00000.txt', (DEMO_CORPUS / 'news.txt').read_bytes()),
                  '--vocab_file': ('vocab.txt', real_vocab_path.read_bytes()),
                  '--user_dict': ('words.txt', '北京大学\n'.encode('utf-8'))}[option]
    inside = out / name
    inside.write_bytes(data)
    args = _job(out, real_vocab_path)
    if option in args:
        args[args.index(option) + 1] = str(inside)
    else:
        args += [option, str(inside)]
    before = _tree(out)
    err = _refused(capsys, args)
    assert '%s %s is inside --output_dir' % (option, inside) in err
    assert _tree(out) == before


def test_a_users_files_are_refused_without_allow_other_files_and_kept_with_it(tmp_path, capsys,
                                                                             real_vocab_path):
    out = tmp_path / 'out'
    out.mkdir()
    files = _user_files(out)
    before = _tree(out)
    err = _refused(capsys, _job(out, real_vocab_path))
    assert 'holds notes/todo.txt (and 1 more), which this job did not write' in err
    assert '--allow_other_files' in err and _tree(out) == before

    # A file named as the job names its own is refused even with --allow_other_files: the job
    # would overwrite it (or, at a re-run, could not tell it from its own).
    for name in ('rejects/notes.jsonl', 'part-00000-of-00002.tfrecord', 'part-00003-of-00004.parquet',
                 'vocab.txt', '.incomplete/part-00000-of-00002.tfrecord'):
        (out / name).parent.mkdir(exist_ok=True)
        (out / name).write_text('mine\n')
        before = _tree(out)
        err = _refused(capsys, _job(out, real_vocab_path, '--allow_other_files'))
        assert 'holds %s, a name this job writes' % name in err
        assert _tree(out) == before
        (out / name).unlink()

    assert run(_job(out, real_vocab_path, '--allow_other_files')) == 0
    assert {name: (out / name).read_text(encoding='utf-8') for name in files} == files
    manifest = json.loads((out / 'manifest.json').read_text(encoding='utf-8'))
    assert manifest['counts']['instances'] > 0 and not (out / MARKER).exists()


def test_overwrite_deletes_only_the_old_datasets_files(tmp_path, capsys, real_vocab_path):
    out = tmp_path / 'out'
    assert run(_job(out, real_vocab_path, '--num_shards', '3')) == 0
    old = json.loads((out / 'manifest.json').read_text(encoding='utf-8'))
    files = _user_files(out)
    before = _tree(out)
    err = _refused(capsys, _job(out, real_vocab_path, '--overwrite'))
    assert 'which this job did not write' in err and _tree(out) == before

    assert run(_job(out, real_vocab_path, '--overwrite', '--allow_other_files')) == 0
    assert {name: (out / name).read_text(encoding='utf-8') for name in files} == files
    new = json.loads((out / 'manifest.json').read_text(encoding='utf-8'))
    shards = sorted(s['file_name'] for s in new['formats']['tfrecord']['shards'])
    assert shards == ['part-00000-of-00002.tfrecord', 'part-00001-of-00002.tfrecord']
    assert not any((out / s['file_name']).exists() for s in old['formats']['tfrecord']['shards'])
    assert sorted(_tree(out)) == sorted(['manifest.json', 'vocab.txt'] + shards + list(files))


def _fake_dataset(folder, num_shards=3) -> list:
    """A dataset's files and a manifest listing them (the folder checks read no shard)."""
    shards = [ShardInfo('part-%05d-of-%05d.tfrecord' % (i, num_shards), 1, 4, '0' * 64)
              for i in range(num_shards)]
    layout = dict(format_layout('tfrecord', 'none', 'static', 128, 20), shards=shards)
    manifest = build_manifest({'max_seq_length': 128}, {}, [('instances', num_shards)], 'static',
                              {'tfrecord': layout}, ['rejects/too_short.jsonl'])
    folder.mkdir(parents=True, exist_ok=True)
    names = [s.file_name for s in shards] + ['rejects/too_short.jsonl', 'vocab.txt']
    for name in names:
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_bytes(b'data')
    (folder / 'manifest.json').write_bytes(dumps(manifest))
    return names + ['manifest.json']


def test_overwrite_refuses_a_manifest_it_cannot_read_or_one_listing_other_files(tmp_path, real_vocab_path):
    out = tmp_path / 'out'
    _fake_dataset(out)
    manifest = json.loads((out / 'manifest.json').read_text(encoding='utf-8'))
    (tmp_path / 'victim.txt').write_text('keep me')
    for data in [b'', b'{"format_version": 2, "opt',
                 json.dumps(dict(manifest, rejects=['../victim.txt'])).encode('utf-8')]:
        (out / 'manifest.json').write_bytes(data)
        before = _tree(tmp_path)
        with pytest.raises(UsageError, match='is not a manifest this job wrote'):
            _options(out, real_vocab_path, '--overwrite')
        assert _tree(tmp_path) == before


def test_leftovers_of_a_killed_run_are_deleted_and_nothing_else(tmp_path, capsys, real_vocab_path):
    """A run killed in its commit: its marker lists what it may write; two shards are in place, one
    is still in .incomplete/, a reject file was written. The re-run deletes those, keeps the
    user's files (--allow_other_files) and writes its own marker."""
    out = tmp_path / 'out'
    out.mkdir()
    files = _user_files(out)
    killed = _options(out, real_vocab_path, '--num_shards', '4', '--allow_other_files')
    assert output_folder.start_run(dataset_plans(killed)[0], killed) is False
    output_folder.add_to_marker(str(out), ['rejects/too_short.jsonl'])
    for name in ('part-00000-of-00004.tfrecord', 'part-00001-of-00004.tfrecord', 'rejects/too_short.jsonl',
                 '.incomplete/part-00002-of-00004.tfrecord', '.incomplete/run-000000.bin'):
        (out / name).parent.mkdir(exist_ok=True)
        (out / name).write_bytes(b'partial')

    rerun = _options(out, real_vocab_path, '--allow_other_files')
    assert output_folder.start_run(dataset_plans(rerun)[0], rerun) is True
    assert sorted(_tree(out)) == sorted(list(files) + [MARKER])
    marker = json.loads((out / MARKER).read_text(encoding='utf-8'))
    assert 'part-00001-of-00002.tfrecord' in marker['paths']
    assert 'part-00001-of-00004.tfrecord' not in marker['paths']


def test_a_folder_left_by_something_else_is_not_cleaned(tmp_path, real_vocab_path):
    """.incomplete/ without a run marker (not provably ours), and a marker that lists a path outside
    the job's names, are refused: nothing is deleted."""
    out = tmp_path / 'out'
    (out / '.incomplete').mkdir(parents=True)
    (out / '.incomplete' / 'part-00000-of-00002.tfrecord').write_bytes(b'x')
    with pytest.raises(UsageError, match=r'holds \.incomplete/part-00000-of-00002\.tfrecord, a name'):
        _options(out, real_vocab_path, '--allow_other_files')
    (tmp_path / 'victim.txt').write_text('keep me')
    output_folder.write_marker(str(out), ['../victim.txt', 'part-00000-of-00002.tfrecord'])
    before = _tree(tmp_path)
    with pytest.raises(UsageError, match='is not a run marker this job wrote'):
        _options(out, real_vocab_path)
    assert _tree(tmp_path) == before


def test_a_pattern_character_in_the_output_folder_is_refused(tmp_path, capsys, real_vocab_path):
    """Beam's FileSystems take every path as a pattern: out[1] would delete the files of out1."""
    (tmp_path / 'out1').mkdir()
    (tmp_path / 'out1' / 'part-00000-of-00002.tfrecord').write_bytes(b'not yours')
    err = _refused(capsys, _job(tmp_path / 'out[1]', real_vocab_path))
    assert 'the job does not take * ? [ in this path' in err
    assert (tmp_path / 'out1' / 'part-00000-of-00002.tfrecord').read_bytes() == b'not yours'


def _commit(out, dropped=None):
    """The commit of a one-shard dataset whose shard waits in .incomplete/, under a run marker."""
    output_folder.write_marker(str(out), ['manifest.json', MANIFEST_TEMP_NAME, 'vocab.txt',
                                          'part-00000-of-00001.tfrecord', '.incomplete/'])
    (out / '.incomplete').mkdir()
    (out / '.incomplete' / 'part-00000-of-00001.tfrecord').write_bytes(b'record')
    layouts = {'tfrecord': format_layout('tfrecord', 'none', 'static', 128, 20)}
    commit = commit_dataset._Commit(  # pylint: disable=protected-access
        str(out), {'max_seq_length': 128}, 'static', layouts, None, 'DirectRunner')
    shards = [('tfrecord', ShardInfo('part-00000-of-00001.tfrecord', 1, 6, '0' * 64))]
    return list(commit.process(None, shards, [('instances', 1)], dropped or {}, ({}, b'[PAD]\n')))


def test_a_commit_writes_the_manifest_and_then_removes_the_marker(tmp_path):
    out = tmp_path / 'out'
    out.mkdir()
    (manifest,) = _commit(out)
    assert sorted(_tree(out)) == ['manifest.json', 'part-00000-of-00001.tfrecord', 'vocab.txt']
    assert json.loads((out / 'manifest.json').read_text(encoding='utf-8')) == manifest
    assert manifest['software']['runner'] == 'DirectRunner'


def test_a_disk_full_at_the_manifest_leaves_no_manifest_and_nothing_to_fill_the_disk(tmp_path, monkeypatch):
    """The manifest's write fails half-way (ENOSPC): no manifest.json, no temp manifest, no
    .incomplete/; what the commit had put in place stays listed in the marker, and the next run's
    clean-up deletes exactly that."""
    out = tmp_path / 'out'
    out.mkdir()
    create = FileSystems.create

    class _FullDisk:
        def __init__(self, handle):
            self._handle = handle

        def write(self, data):
            self._handle.write(data[:len(data) // 2])
            raise OSError(errno.ENOSPC, 'No space left on device')

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._handle.close()

    def create_on_a_full_disk(path, *args, **kwargs):
        handle = create(path, *args, **kwargs)
        return _FullDisk(handle) if 'manifest.json' in path.rsplit('/', 1)[-1] else handle

    monkeypatch.setattr(FileSystems, 'create', staticmethod(create_on_a_full_disk))
    dropped = {'too_short': [Dropped('too_short', 'news.txt:3', 'news.txt', '短')]}
    with pytest.raises(OSError, match='No space left on device'):
        _commit(out, dropped)
    monkeypatch.undo()
    left = sorted(_tree(out))
    assert left == [MARKER, 'part-00000-of-00001.tfrecord', 'rejects/too_short.jsonl', 'vocab.txt']
    assert 'rejects/too_short.jsonl' in json.loads((out / MARKER).read_text(encoding='utf-8'))['paths']
    output_folder.remove_unfinished_run(str(out))
    assert not list(out.iterdir())
