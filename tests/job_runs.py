"""Running the job in the tests of runners and failures, and comparing what it wrote."""
import hashlib
import json
import pathlib

from beam_jobs.build_pretraining_data import run
from schemas.manifest import MANIFEST_NAME, without_software
from tests.conftest import DEMO_CORPUS, shared_file

DEMO = str(DEMO_CORPUS / '*')
DEMO_VOCAB_SIZE = 3000   # as `make demo` trains it (Makefile)
THUCNEWS_ARTICLES = 150


def write_thucnews_slice(folder: pathlib.Path, articles: int = THUCNEWS_ARTICLES) -> str:
    """The first ``articles`` THUCNews articles (of 1,000) as plain text, a blank line between."""
    lines = shared_file('news/thucnews_cnews_1000.txt').read_text(encoding='utf-8').split('\n')
    texts = [line.split('\t', 1)[1] for line in lines if '\t' in line][:articles]
    path = folder / ('thucnews_%d.txt' % articles)
    path.write_text('\n\n'.join(texts), encoding='utf-8')
    return str(path)


def train_demo_vocab(folder: pathlib.Path) -> pathlib.Path:
    """The vocab `make demo` trains on the demo corpus, as the job writes it: a vocab file the demo
    runs can share (runners other than the local one take only --vocab_file), made without the
    real data."""
    output_dir = folder / 'trained'
    assert run(['--input', DEMO, '--output_dir', str(output_dir), '--vocab_size', str(DEMO_VOCAB_SIZE),
                '--dupe_factor', '1', '--num_shards', '1']) == 0
    return output_dir / 'vocab.txt'


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
    """sha256 of every file under output_dir, by relative path (hidden leftovers included); a
    manifest's without its software section, which names the runner that made it."""
    root = pathlib.Path(output_dir)
    return {str(p.relative_to(root)): hashlib.sha256(
        without_software(p.read_bytes()) if p.name == MANIFEST_NAME else p.read_bytes()).hexdigest()
        for p in sorted(root.rglob('*')) if p.is_file()}
