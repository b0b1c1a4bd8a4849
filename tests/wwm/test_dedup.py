"""Exact and near-duplicate removal: the Beam-free pieces, then the transform on real news with
planted copies, in-process and on two worker processes."""
import json
import re
import subprocess
import sys

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from datasketch import MinHash, MinHashLSH

import transforms.deduplicate_documents as dedup_transform
from schemas.records import Document
from tests.conftest import DEMO_CORPUS, ROOT
from tests.real_text import thucnews_documents
from wwm import dedup

PARAMS = dedup.NearDuplicateParams()
MULTI_PROCESS = ('--direct_running_mode=multi_processing', '--direct_num_workers=2')


def _shingle_jaccard(a: str, b: str, size: int = PARAMS.shingle_size) -> float:
    """The true Jaccard similarity that MinHash estimates, on the shingle strings themselves."""
    def shingle_set(text):
        normalized = dedup.normalize(text)
        return {normalized[i:i + size] for i in range(max(1, len(normalized) - size + 1))}
    sa, sb = shingle_set(a), shingle_set(b)
    return len(sa & sb) / len(sa | sb)


def _change_one_sentence(text: str) -> str:
    sentences = re.findall('[^。]*。', text)
    return text.replace(sentences[len(sentences) // 2], '记者在现场看到，不少市民排队等候，工作人员正在维持秩序。', 1)


def _change_punctuation_and_spacing(text: str) -> str:
    return text.replace('，', ', ').replace('。', '. ').replace('(', '（').replace('1', '１')


@pytest.fixture(scope='module')
def news():
    return thucnews_documents()


def _fingerprint(text: str) -> bytes:
    return dedup.exact_fingerprint(dedup.normalize(text))


def test_normalization_ignores_punctuation_spacing_width_and_case(news):
    text = news[3]
    assert _fingerprint(text) == _fingerprint(_change_punctuation_and_spacing(text))
    assert _fingerprint(text) == _fingerprint(text.upper() + ' \n')
    assert _fingerprint(text) != _fingerprint(text[:-3])


def test_keep_rank_orders_by_source_then_position():
    ids = ['b.txt:0', 'a.txt:10', 'a.txt:9~1', 'a.txt:9~10', 'a.txt:9~2', 'a.txt:9', 'a.txt:1']
    assert sorted(ids, key=dedup.keep_rank) == ['a.txt:1', 'a.txt:9', 'a.txt:9~1', 'a.txt:9~2',
                                                'a.txt:9~10', 'a.txt:10', 'b.txt:0']


def test_signature_similarity_estimates_jaccard(news):
    pairs = [(news[0], _change_one_sentence(news[0])), (news[1], news[2]), (news[220], news[406])]
    for a, b in pairs:
        estimate = dedup.similarity(dedup.signature(dedup.normalize(a), PARAMS),
                                    dedup.signature(dedup.normalize(b), PARAMS))
        assert abs(estimate - _shingle_jaccard(a, b)) < 0.12
    assert dedup.band_layout(PARAMS) == (9, 13)
    assert dedup.band_layout(PARAMS._replace(bands=16, rows=8)) == (16, 8)


@pytest.mark.parametrize('num_perm', [2, 16, 64, 128, 256, 300])
def test_band_layout_is_the_one_datasketch_chooses(num_perm):
    for threshold in (0.05, 0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0):
        params = PARAMS._replace(threshold=threshold, num_perm=num_perm)
        try:
            lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        except ValueError:  # fewer than 2 bands
            with pytest.raises(ValueError):
                dedup.band_layout(params)
            continue
        assert dedup.band_layout(params) == (lsh.b, lsh.r), (threshold, num_perm)


@pytest.mark.parametrize('num_perm', [1, 7, 128, 256])
def test_permutations_are_datasketchs(num_perm):
    theirs = MinHash(num_perm=num_perm, seed=dedup.MINHASH_SEED, scheme=dedup.MINHASH_SCHEME).permutations
    ours = dedup.permutations(num_perm)
    assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs)


def test_building_a_near_dedup_job_does_not_import_datasketch():
    """datasketch pulls in scipy: its import was 0.45 s of every run's start-up."""
    code = ('import sys\n'
            'from beam_jobs.config import build_config\n'
            'from beam_jobs.options import parse_options\n'
            'from transforms.deduplicate_documents import DeduplicateDocuments\n'
            'config = build_config(parse_options(["--input", sys.argv[1], "--output_dir", sys.argv[2]]))\n'
            'DeduplicateDocuments(True, config.dedup.near_duplicate_params)\n'
            'print(sorted(name for name in sys.modules if name.split(".")[0] in ("datasketch", "scipy")))\n')
    result = subprocess.run([sys.executable, '-c', code, str(DEMO_CORPUS / '*'), '/tmp/unused-output'],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '[]'


def _planted_corpus(news):
    documents = [Document('news.txt:%d' % i, 'news.txt', text) for i, text in enumerate(news)]
    planted = [Document('plant.txt:0', 'plant.txt', _change_punctuation_and_spacing(news[5])),
               Document('plant.txt:1', 'plant.txt', _change_one_sentence(news[11])),
               Document('a_first.txt:0', 'a_first.txt', _change_one_sentence(news[9]))]
    return documents + planted


def _deduplicate(documents, out_dir, *beam_args, exact=True, near=PARAMS):
    with beam.Pipeline(options=PipelineOptions(list(beam_args))) as pipeline:
        result = pipeline | beam.Create(documents) | dedup_transform.DeduplicateDocuments(exact, near)
        _ = (result.documents | 'Ids' >> beam.Map(lambda d: d.doc_id)
             | 'WriteKept' >> beam.io.WriteToText(str(out_dir / 'kept'), shard_name_template=''))
        _ = (result.dropped | 'Json' >> beam.Map(lambda d: json.dumps(d._asdict(), ensure_ascii=False))
             | 'WriteDropped' >> beam.io.WriteToText(str(out_dir / 'dropped'), shard_name_template=''))
    kept = (out_dir / 'kept').read_text(encoding='utf-8').split('\n')[:-1]
    dropped = [json.loads(line) for line in (out_dir / 'dropped').read_text(encoding='utf-8').split('\n')[:-1]]
    return sorted(kept), sorted(dropped, key=lambda d: d['doc_id'])


@pytest.fixture(scope='module')
def deduplicated(news, tmp_path_factory):
    return _deduplicate(_planted_corpus(news), tmp_path_factory.mktemp('dedup'))


def test_planted_duplicates_are_found_and_the_first_copy_kept(deduplicated):
    kept, dropped = deduplicated
    by_id = {d['doc_id']: d for d in dropped}
    assert by_id['plant.txt:0']['reason'] == 'duplicate'
    assert by_id['plant.txt:0']['detail'] == 'duplicate of news.txt:5'
    assert by_id['plant.txt:1']['reason'] == 'near_duplicate'
    assert by_id['plant.txt:1']['detail'].startswith('near duplicate of news.txt:11 ')
    # a_first.txt sorts before news.txt: its copy is kept and the original article goes.
    assert 'a_first.txt:0' in kept and by_id['news.txt:9']['detail'].startswith('near duplicate of a_first.txt:0')
    assert by_id['news.txt:406']['detail'].startswith('near duplicate of news.txt:220')  # a real pair, J 0.99


def test_no_false_positives_among_real_articles(news, deduplicated):
    kept, dropped = deduplicated
    texts = {d.doc_id: d.text for d in _planted_corpus(news)}
    assert len(kept) + len(dropped) == len(texts) and not set(kept) & {d['doc_id'] for d in dropped}
    for record in dropped:
        original = re.search(r'of (\S+)', record['detail']).group(1)
        assert _shingle_jaccard(texts[record['doc_id']], texts[original]) >= 0.7, record
    real_drops = [d for d in dropped if d['doc_id'].startswith('news.txt') and d['doc_id'] != 'news.txt:9']
    assert len(real_drops) <= 8  # of 1000: the price-report clusters THUCNews really holds


def test_result_does_not_depend_on_worker_count(news, deduplicated, tmp_path):
    assert _deduplicate(_planted_corpus(news), tmp_path, *MULTI_PROCESS) == deduplicated


def test_large_bucket_compares_with_its_smallest_member(news, tmp_path, monkeypatch):
    """Past the pairwise limit a bucket is streamed: every member is compared with the smallest-rank one."""
    monkeypatch.setattr(dedup_transform, 'MAX_PAIRWISE_BUCKET', 1)  # every bucket streamed
    copies = [Document('copies.txt:%d' % i, 'copies.txt', news[11] + '第%d次转载。' % i) for i in range(8)]
    others = [Document('news.txt:%d' % i, 'news.txt', news[i]) for i in range(20, 30)]
    kept, dropped = _deduplicate(copies + others, tmp_path, exact=False)
    assert sorted(kept) == sorted(['copies.txt:0'] + [d.doc_id for d in others])
    assert {d['detail'].split(' (')[0] for d in dropped} == {'near duplicate of copies.txt:0'}


def test_only_shared_buckets_get_their_signatures_back():
    """Bands travel with doc ids alone; a signature is joined back only to buckets of two or more."""
    assert list(dedup_transform._shared_bands((b'k1', iter(['a:0'])))) == []
    assert list(dedup_transform._shared_bands((b'k2', iter(['a:0', 'b:0', 'c:0'])))) == [
        ('a:0', b'k2'), ('b:0', b'k2'), ('c:0', b'k2')]
    sig = np.arange(4, dtype=np.uint32).tobytes()
    joined = list(dedup_transform._with_signature(('a:0', {'signature': [sig], 'bands': [b'k2', b'k5']})))
    assert joined == [(b'k2', ('a:0', sig)), (b'k5', ('a:0', sig))]
    assert list(dedup_transform._with_signature(('b:0', {'signature': [sig], 'bands': []}))) == []


def test_exact_only_keeps_near_duplicates(news, tmp_path):
    documents = _planted_corpus(news[:12])
    kept, dropped = _deduplicate(documents, tmp_path, near=None)
    assert [d['doc_id'] for d in dropped] == ['plant.txt:0'] and 'plant.txt:1' in kept


def test_shingle_hashes_are_one_per_distinct_shingle_and_stable():
    text = dedup.normalize('数学是研究数量、结构以及空间的学科。数学是研究数量的学科。')
    hashes = dedup.shingle_hashes(text, 5)
    shingle_strings = [text[i:i + 5] for i in range(len(text) - 4)]
    assert len(hashes) == len(shingle_strings)
    by_string = {}
    for string, value in zip(shingle_strings, hashes.tolist()):
        assert by_string.setdefault(string, value) == value           # same shingle, same hash
    assert len(set(by_string.values())) == len(by_string)              # distinct shingles differ
    assert dedup.shingle_hashes('短', 5).tolist() == dedup.shingle_hashes('短', 5).tolist()
    assert hashes.max() < 2 ** 32


def _reference_signature(normalized, params):
    """The signature as datasketch computes it: a MinHash updated with the shingle hashes as a list."""
    minhash = MinHash(num_perm=params.num_perm, seed=dedup.MINHASH_SEED, scheme=dedup.MINHASH_SCHEME, hashfunc=int)
    hashes = dedup.shingle_hashes(normalized, params.shingle_size).tolist()
    for start in range(0, len(hashes), 4096):
        minhash.update_batch(hashes[start:start + 4096])
    return minhash.hashvalues.astype(np.uint32)


def _assert_signatures_as_datasketch(texts, params=PARAMS):
    for text in texts:
        normalized = dedup.normalize(text)
        sig = dedup.signature(normalized, params)
        assert sig.dtype == np.uint32 and sig.shape == (params.num_perm,)
        assert np.array_equal(sig, _reference_signature(normalized, params)), text[:60]


def test_signature_equals_datasketch_on_real_documents(news):
    demo = [path.read_text(encoding='utf-8') for path in sorted(DEMO_CORPUS.iterdir())]
    _assert_signatures_as_datasketch(demo + [line for text in demo for line in text.split('\n')] + news)


def test_signature_equals_datasketch_over_many_batches(news, monkeypatch):
    long_text = ''.join(news[:20])
    assert len(dedup.shingle_hashes(dedup.normalize(long_text), PARAMS.shingle_size)) > 3 * dedup.SHINGLE_BATCH
    _assert_signatures_as_datasketch([long_text])
    monkeypatch.setattr(dedup, 'SHINGLE_BATCH', 7)  # many batches, the last one partial
    _assert_signatures_as_datasketch([long_text, news[0]])


def test_signature_equals_datasketch_on_edge_cases():
    texts = ['', '短', '数学', '哈' * 100, '𠀀𠀁𠀂' * 10, 'ABC abc １２３' * 5, ''.join(map(chr, range(0x4e00, 0x5e00)))]
    for params in (PARAMS, PARAMS._replace(num_perm=1), PARAMS._replace(num_perm=256, shingle_size=1),
                   PARAMS._replace(num_perm=64, shingle_size=9)):
        _assert_signatures_as_datasketch(texts, params)
