"""Shards hold contiguous ranges of the global seeded-hash order, their sizes differ by at most one,
however the order is cut into sorted pieces (one for all shards, several to a shard, one shared by
two shards)."""
import io
import pathlib
import random
from collections import Counter

import pytest

from beam_jobs.build_pretraining_data import expected_record_bytes, run
from schemas.records import InstanceKey, TrainingInstance
from schemas.sources import InputFile
from tests.conftest import DEMO_CORPUS
from tests.output_datasets import dataset_instances, write_dataset
from transforms import write_shards
from wwm.records.balanced_shards import (MAX_PIECE_BITS, ShardLayout, piece_bits_for, piece_of, record_hash,
                                  record_payload, shard_record)
from wwm.records.external_sort import run_slice, sorted_records, split_run, write_run
from wwm.hashing import stable_hash64

SEED = 12345
VOCAB = b'[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n'


def _keyed(count):
    """Instances whose input_ids name them, so the written order can be checked."""
    return [(InstanceKey('doc%d' % (n % 37), n // 37, 0),
             TrainingInstance([101, n // 1000 + 1, n % 1000 + 1, 102], [0] * 4, n % 2, [1], [n % 7 + 1], [], []))
            for n in range(count)]


def _global_order(keyed):
    return [instance for key, instance in
            sorted(keyed, key=lambda kv: (stable_hash64(SEED, 'shuffle', *kv[0]),) + tuple(kv[0]))]


def test_layout_ranks_pieces_in_hash_order():
    layout = ShardLayout.from_counts(4, {9: 3, 2: 5, 5: 2, 7: 0})
    assert layout.total == 10 and layout.pieces == (2, 5, 9) and layout.first_ranks == (0, 5, 7)
    assert [layout.shard_of(rank) for rank in range(10)] == [0, 0, 0, 1, 1, 2, 2, 2, 3, 3]
    assert [layout.shard_runs(shard) for shard in range(4)] == [
        [(2, 0, 3)], [(2, 3, 2)], [(5, 0, 2), (9, 0, 1)], [(9, 1, 2)]]


@pytest.mark.parametrize('seed', range(20))
def test_shard_runs_cover_every_rank_once_in_order(seed):
    """Empty pieces, pieces larger than a shard, more shards than records."""
    rng = random.Random(seed)
    counts = {piece: rng.choice([0, 1, 2, 5, 40]) for piece in rng.sample(range(64), rng.randrange(1, 20))}
    layout = ShardLayout.from_counts(rng.choice([1, 2, 3, 7, 50]), counts)
    ranks_of = dict(zip(layout.pieces, layout.first_ranks))
    seen = []
    for shard in range(layout.num_shards):
        ranks = [ranks_of[piece] + skip + n for piece, skip, take in layout.shard_runs(shard)
                 for n in range(take)]
        assert all(take > 0 and skip + take <= counts[piece] for piece, skip, take in layout.shard_runs(shard))
        assert all(layout.shard_of(rank) == shard for rank in ranks)
        seen += ranks
    assert seen == list(range(sum(counts.values())))


def test_no_records_give_empty_shards():
    layout = ShardLayout.from_counts(3, {})
    assert layout.total == 0 and [layout.shard_runs(shard) for shard in range(3)] == [[], [], []]


@pytest.mark.parametrize('expected_bytes, bits', [(0, 0), (100, 0), (8 << 20, 0), ((8 << 20) + 1, 1),
                                                  (25 * (8 << 20), 5), (1 << 60, MAX_PIECE_BITS)])
def test_pieces_are_sized_from_the_expected_bytes(expected_bytes, bits):
    assert piece_bits_for(expected_bytes, 8 << 20) == bits


def test_pieces_are_ranges_of_the_hash_order():
    rng = random.Random(5)
    hashes = sorted(rng.getrandbits(64) for _ in range(1000))
    assert [piece_of(h, 0) for h in hashes] == [0] * 1000
    pieces = [piece_of(h, 4) for h in hashes]
    assert pieces == sorted(pieces) and set(pieces) == set(range(16))
    assert piece_of(2 ** 64 - 1, MAX_PIECE_BITS) == 2 ** MAX_PIECE_BITS - 1


def test_a_slice_of_a_run_is_a_run_of_those_records():
    records = [b'r%d' % n * (n % 4) for n in range(30)]
    handle = io.BytesIO()
    assert write_run(handle, records) == 30
    data = handle.getvalue()
    for skip, take in [(0, 30), (0, 1), (29, 1), (7, 11), (30, 0)]:
        assert list(split_run(run_slice(data, skip, take))) == records[skip:skip + take]
    with pytest.raises(ValueError, match='holds 30 records, not the 31'):
        run_slice(data, 20, 11)
    with pytest.raises(ValueError, match='cut short'):
        run_slice(data[:-1], 0, 30)


def test_records_sort_as_bytes_in_the_order_of_their_hash_and_key():
    """Doc ids that prefix one another, non-ASCII and astral ones, equal hashes, large numbers."""
    rng = random.Random(7)
    doc_ids = ['a', 'a:1', 'a:10', 'a:2', 'b\u00e9:3', '\u4e2d:1', '\U00020000:1', '\uffff:1', 'a\u0001']
    keyed = [((rng.choice([5, 2 ** 64 - 1, rng.getrandbits(64)]),
               rng.choice(doc_ids), rng.choice([0, 9, 2 ** 32 - 1]), rng.randrange(300)),
              bytes(rng.getrandbits(8) for _ in range(rng.randrange(4))))
             for _ in range(3000)]
    unique = list({key: payload for key, payload in keyed}.items())
    records = [shard_record(key[0], key[1:], payload) for key, payload in unique]
    assert [bytes(record_payload(r)) for r in sorted(records)] == [p for _, p in sorted(unique)]
    assert [record_hash(r) for r in sorted(records)] == sorted(key[0] for key, _ in unique)


def test_a_document_id_with_a_nul_is_refused_rather_than_misparsed():
    with pytest.raises(ValueError, match='NUL'):
        shard_record(5, ('a\0b:1', 0, 0), b'payload')


def test_the_sorter_spills_runs_and_merges_them_in_order(tmp_path):
    rng = random.Random(3)
    records = [bytes(rng.getrandbits(8) for _ in range(rng.randrange(30))) for _ in range(2000)]
    spilled = list(sorted_records(iter(records), max_bytes=1000, directory=str(tmp_path)))
    assert spilled == sorted(records)
    assert list(sorted_records(iter(records))) == sorted(records)


@pytest.mark.parametrize('piece_bits, num_shards', [(0, 7), (3, 20), (6, 7), (6, 20)])
def test_written_shards_are_balanced_ranges_of_the_global_order(tmp_path, piece_bits, num_shards):
    """With 6 bits, 1000 records are sorted in 64 pieces, several to a shard and shared by two."""
    keyed = _keyed(1000)
    manifest = write_dataset(tmp_path, keyed, 'static', VOCAB, formats=('tfrecord', 'arrow'),
                             num_shards=num_shards, max_seq_length=8, max_predictions_per_seq=2,
                             piece_bits=piece_bits)
    for output_format in ('tfrecord', 'arrow'):
        records = [s['records'] for s in manifest['formats'][output_format]['shards']]
        assert len(records) == num_shards and sum(records) == 1000
        assert max(records) - min(records) <= 1, records
        assert dataset_instances(tmp_path, manifest, output_format) == _global_order(keyed)


def test_the_files_do_not_depend_on_the_piece_count(tmp_path, monkeypatch):
    """Sorted in one piece or in 64, a shard is the same bytes; no run file is left."""
    written, runs = {}, []
    sort = write_shards._SortPiece.process
    monkeypatch.setattr(write_shards._SortPiece, 'process',
                        lambda self, element: runs.append(element[0]) or sort(self, element))
    for piece_bits in (0, 6):
        runs.clear()
        folder = tmp_path / str(piece_bits)
        write_dataset(folder, _keyed(1000), 'static', VOCAB, formats=('tfrecord', 'parquet'),
                      num_shards=3, max_seq_length=8, max_predictions_per_seq=2, piece_bits=piece_bits)
        written[piece_bits] = {path.name: path.read_bytes() for path in folder.glob('part-*')}
        assert len(set(runs)) == len(runs) and not list(folder.glob('**/run-*'))
        assert len(runs) == 1 if piece_bits == 0 else len(runs) > 50, runs
    assert written[0] == written[6] and len(written[6]) == 6


def test_hash_mod_n_would_be_unbalanced():
    """Why the two phases exist: the same 1000 records by hash mod 20 are far from 50 per shard."""
    keys = [key for key, _ in _keyed(1000)]
    counts = Counter(stable_hash64(SEED, 'shuffle', *key) % 20 for key in keys)
    assert max(counts.values()) - min(counts.values()) > 5


def test_fewer_records_than_shards_gives_every_file(tmp_path):
    manifest = write_dataset(tmp_path, _keyed(2), 'static', VOCAB, formats=('tfrecord', 'parquet'),
                             num_shards=4, max_seq_length=8, max_predictions_per_seq=2)
    for output_format in ('tfrecord', 'parquet'):
        assert sorted(s['records'] for s in manifest['formats'][output_format]['shards']) == [0, 0, 1, 1]
        assert len(dataset_instances(tmp_path, manifest, output_format)) == 2


@pytest.mark.parametrize('masking, dupe_factor', [('static', 3), ('dynamic', 1)])
def test_the_job_expects_at_least_the_record_bytes_it_makes(tmp_path, monkeypatch, real_vocab_path,
                                                            masking, dupe_factor):
    """The pieces are sized from an estimate of each dataset's record bytes: on plain Chinese text
    it must not fall short (pieces would outgrow PIECE_BYTES), nor be far over (too many pieces)."""
    written = Counter()

    def counting_write_run(handle, records):
        records = list(records)
        written[pathlib.Path(handle.name).parent.parent.name] += sum(4 + len(r) for r in records)
        return write_run(handle, records)

    monkeypatch.setattr(write_shards, 'write_run', counting_write_run)
    inputs = [DEMO_CORPUS / 'news.txt', DEMO_CORPUS / 'wiki.txt']
    assert run(['--input', str(DEMO_CORPUS / '*.txt'), '--output_dir', str(tmp_path / 'out'),
                '--vocab_file', str(real_vocab_path), '--masking', masking, '--dupe_factor',
                str(dupe_factor), '--max_seq_length', '128', '--max_seq_length', '512']) == 0
    files = [InputFile(str(path), path.name, size=path.stat().st_size) for path in inputs]
    expected = expected_record_bytes(files, dupe_factor, masking)
    assert set(written) == {'seq128', 'seq512'}
    assert all(expected / 2 < size <= expected for size in written.values()), (expected, written)
