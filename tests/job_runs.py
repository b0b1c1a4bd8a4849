"""Running the job in the tests of runners and failures, and comparing what it wrote."""
import hashlib
import json
import pathlib

from beam_jobs.build_pretraining_data import run
from tests.conftest import DEMO_CORPUS, shared_file

DEMO = str(DEMO_CORPUS / '*')
THUCNEWS_ARTICLES = 150


def write_thucnews_slice(folder: pathlib.Path, articles: int = THUCNEWS_ARTICLES) -> str:
    """The first ``articles`` THUCNews articles (of 1,000) as plain text, a blank line between."""
    lines = shared_file('news/thucnews_cnews_1000.txt').read_text(encoding='utf-8').split('\n')
    texts = [line.split('\t', 1)[1] for line in lines if '\t' in line][:articles]
    path = folder / ('thucnews_%d.txt' % articles)
    path.write_text('\n\n'.join(texts), encoding='utf-8')
    return str(path)


def job_args(corpus: str, output_dir, vocab, *extra) -> list:
    return ['--input', corpus, '--output_dir', str(output_dir), '--vocab_file', str(vocab),
            '--dupe_factor', '2', '--num_shards', '3'] + list(extra)


def run_job(corpus: str, output_dir, vocab, *extra) -> dict:
    """Run the job in this process (its workers may not be); return the manifest."""
    assert run(job_args(corpus, output_dir, vocab, *extra)) == 0
    return json.loads((pathlib.Path(output_dir) / 'manifest.json').read_text(encoding='utf-8'))


def portable_args(job_endpoint: str, worker_pool: str) -> list:
    return ['--runner=PortableRunner', '--job_endpoint=' + job_endpoint,
            '--environment_type=EXTERNAL', '--environment_config=' + worker_pool]


def digests(output_dir) -> dict:
    """sha256 of every file under output_dir, by relative path (hidden leftovers included)."""
    root = pathlib.Path(output_dir)
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob('*')) if p.is_file()}
