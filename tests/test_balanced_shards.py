"""Shards hold contiguous ranges of the global seeded-hash order, their sizes differ by at most one,
also when fine buckets are large enough to straddle several shards."""
import random
from collections import Counter

import pytest

from schemas.records import InstanceKey, TrainingInstance
from tests.output_datasets import dataset_instances, write_dataset
from transforms import write_shards
from wwm import balanced_shards
from wwm.balanced_shards import ShardLayout, own_records, record_hash, record_payload, shard_record
from wwm.external_sort import sorted_records
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


def _layout(num_shards, bucket_counts, piece_bytes=1 << 30):
    """A layout from (bucket, records) pairs, each record 10 bytes."""
    return ShardLayout.from_counts(num_shards, [(b, n, 10 * n) for b, n in bucket_counts], piece_bytes)


def test_layout_ranks_buckets_in_hash_order():
    layout = _layout(4, [(9, 3), (2, 5), (5, 2)])
    assert layout.total == 10 and layout.buckets == (2, 5, 9) and layout.first_ranks == (0, 5, 7)
    assert [layout.shard_of(rank) for rank in range(10)] == [0, 0, 0, 1, 1, 2, 2, 2, 3, 3]
    assert list(layout.shards_of_bucket(2)) == [0, 1]
    assert list(layout.shards_of_bucket(5)) == [2]
    assert list(layout.shards_of_bucket(9)) == [2, 3]


def test_pieces_are_cut_at_each_shard_start_and_past_the_byte_bound():
    # Buckets of 3, 3, 1, 3 records (10 bytes each): ranks 0-2, 3-5, 6, 7-9; shards of ranks 0-4, 5-9.
    layout = _layout(2, [(0, 3), (1, 3), (2, 1), (3, 3)], piece_bytes=40)
    assert layout.pieces == (0, 1, 2, 2)   # bucket 1 would make 60 bytes; bucket 2 starts shard 1
    assert layout.pieces_of_bucket(1) == [(0, 1), (1, 1)]   # it straddles the two shards
    assert layout.pieces_of_bucket(3) == [(1, 2)]           # 40 bytes with bucket 2: not past the bound
    assert _layout(2, [(0, 9)], piece_bytes=40).pieces == (0,)   # larger than the bound: on its own


def test_each_shard_keeps_only_its_ranks_of_a_straddling_bucket():
    layout = _layout(3, [(0, 4), (1, 2)])   # ranks 0-3 in bucket 0, 4-5 in bucket 1
    top = 64 - balanced_shards.BUCKET_BITS
    records = [shard_record(n if n < 4 else (1 << top) + n, ('k', n, 0), b'%d' % n) for n in range(6)]
    kept = [[bytes(record_payload(record)) for record in own_records(records, layout, shard)]
            for shard in range(3)]
    assert kept == [[b'0', b'1'], [b'2', b'3'], [b'4', b'5']]


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


@pytest.mark.parametrize('bucket_bits, num_shards, piece_bytes', [(16, 7, 1 << 20), (3, 20, 1 << 20),
                                                                  (16, 7, 2000), (3, 20, 2000)])
def test_written_shards_are_balanced_ranges_of_the_global_order(tmp_path, monkeypatch, bucket_bits,
                                                                num_shards, piece_bytes):
    """With 2000-byte pieces each shard is sorted in several (1000 records of about 60 bytes)."""
    monkeypatch.setattr(balanced_shards, 'BUCKET_BITS', bucket_bits)
    keyed = _keyed(1000)
    manifest = write_dataset(tmp_path, keyed, 'static', VOCAB, formats=('tfrecord', 'arrow'),
                             num_shards=num_shards, max_seq_length=8, max_predictions_per_seq=2,
                             piece_bytes=piece_bytes)
    for output_format in ('tfrecord', 'arrow'):
        records = [s['records'] for s in manifest['formats'][output_format]['shards']]
        assert len(records) == num_shards and sum(records) == 1000
        assert max(records) - min(records) <= 1, records
        assert dataset_instances(tmp_path, manifest, output_format) == _global_order(keyed)


def test_the_files_do_not_depend_on_the_piece_size(tmp_path, monkeypatch):
    """Sorted in one piece per shard or in many, a shard is the same bytes; no run file is left."""
    written, runs = {}, []
    sort = write_shards._SortPiece.process
    monkeypatch.setattr(write_shards._SortPiece, 'process',
                        lambda self, element, layout: runs.append(element[0]) or sort(self, element, layout))
    for piece_bytes in (1 << 30, 2000):
        runs.clear()
        folder = tmp_path / str(piece_bytes)
        write_dataset(folder, _keyed(1000), 'static', VOCAB, formats=('tfrecord', 'parquet'),
                      num_shards=3, max_seq_length=8, max_predictions_per_seq=2, piece_bytes=piece_bytes)
        written[piece_bytes] = {path.name: path.read_bytes() for path in folder.glob('part-*')}
        assert len(set(runs)) == len(runs) and not list(folder.glob('**/run-*'))
        assert len(runs) == 3 if piece_bytes > 1 << 20 else len(runs) > 3 * 10, runs
    assert written[1 << 30] == written[2000] and len(written[2000]) == 6


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
