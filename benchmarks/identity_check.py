"""The same bytes before and after a change: a matrix of jobs on the 1 MB corpus, every output file's
sha256 recorded, or compared with a record made earlier.

    python -m benchmarks.identity_check --record before.json      # on the old code
    python -m benchmarks.identity_check --compare before.json     # on the new code: exit 1 if any
                                                                  # file differs, with the list

The matrix covers static and dynamic masking, NSP, SOP and none (with --cross_document), both
lengths at once, every output format and TFRecord compression, the other masking strategies and
the cleaning, conversion and near-duplicate stages. A manifest is compared without its software
section (versions, runner, C kernels), which a change of version is meant to change. The corpus is built by benchmarks.build_corpus
from ../shared/data (seeded, so the same text on every machine); the vocab is Google's Chinese vocab
there. Each job runs in its own process on the DirectRunner as `python -m
beam_jobs.build_pretraining_data` does.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

from tests.job_runs import digests  # a manifest's without its software section, as the tests compare

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / 'shared' / 'data'
CORPUS_MB = 1

# name -> the job's options beyond --input, --output_dir and --vocab_file.
JOBS = {
    'static_nsp_both_lengths_all_formats': [
        '--max_seq_length', '128', '--max_seq_length', '512', '--output_format', 'tfrecord',
        '--output_format', 'arrow', '--output_format', 'parquet', '--dupe_factor', '2'],
    'static_sop_gzip': ['--sentence_pair', 'sop', '--tfrecord_compression', 'gzip'],
    'static_none_cross_document_512': [
        '--sentence_pair', 'none', '--cross_document', 'true', '--max_seq_length', '512',
        '--output_format', 'parquet'],
    'dynamic_nsp_both_lengths_all_formats': [
        '--masking', 'dynamic', '--max_seq_length', '128', '--max_seq_length', '512',
        '--output_format', 'tfrecord', '--output_format', 'arrow', '--output_format', 'parquet'],
    'dynamic_none': ['--masking', 'dynamic', '--sentence_pair', 'none'],
    'static_ngram_token_unit': ['--mask_strategy', 'ngram', '--mask_unit', 'token',
                                '--num_shards', '3'],
    'static_token_strategy': ['--mask_strategy', 'token', '--do_lower_case', 'false'],
    'cleaning_t2s_near_dedup': ['--convert', 't2s', '--dedup_near', 'true', '--strip_html', 'true',
                                '--remove_boilerplate', 'true', '--min_chars', '50'],
}


def corpus(folder: pathlib.Path) -> pathlib.Path:
    """The seeded 1 MB benchmark corpus, built into ``folder``."""
    subprocess.run([sys.executable, '-m', 'benchmarks.build_corpus', '--size_mb', str(CORPUS_MB),
                    '--output_dir', str(folder)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    (path,) = folder.glob('*.txt')
    return path


def run_matrix(vocab: pathlib.Path, jobs: list) -> dict:
    """{job name: {file: sha256}} for the named jobs, each run in a fresh output folder."""
    with tempfile.TemporaryDirectory(prefix='identity-check-') as tmp:
        text = corpus(pathlib.Path(tmp) / 'corpus')
        results = {}
        for name in jobs:
            out = pathlib.Path(tmp) / name
            command = [sys.executable, '-m', 'beam_jobs.build_pretraining_data', '--input', str(text),
                       '--output_dir', str(out), '--vocab_file', str(vocab), *JOBS[name]]
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit('identity_check: job %s failed (exit %d): %s'
                         % (name, done.returncode, done.stderr.strip()[-2000:]))
            results[name] = digests(out)
            print('%-40s %3d files' % (name, len(results[name])), file=sys.stderr)
        return results


def differences(before: dict, after: dict) -> list:
    """One line per job or file whose bytes differ, appeared or vanished."""
    lines = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old is None or new is None:
            lines.append('%s: only %s' % (name, 'after' if old is None else 'before'))
            continue
        for path in sorted(set(old) | set(new)):
            if old.get(path) != new.get(path):
                lines.append('%s/%s: %s -> %s' % (name, path, (old.get(path) or 'absent')[:12],
                                                  (new.get(path) or 'absent')[:12]))
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument('--record', help='write the digests to this JSON file')
    action.add_argument('--compare', help='compare with the digests in this JSON file')
    parser.add_argument('--vocab_file', default=str(SHARED / 'vocab' / 'vocab.txt'))
    parser.add_argument('--jobs', nargs='+', choices=sorted(JOBS), default=sorted(JOBS))
    args = parser.parse_args(argv)
    if not pathlib.Path(args.vocab_file).is_file():
        sys.exit('identity_check: no vocab at %s (give --vocab_file)' % args.vocab_file)
    if args.compare:
        before = json.loads(pathlib.Path(args.compare).read_text(encoding='utf-8'))
        before = {name: before[name] for name in args.jobs if name in before}
    after = run_matrix(pathlib.Path(args.vocab_file), args.jobs)
    if args.record:
        pathlib.Path(args.record).write_text(json.dumps(after, indent=1, sort_keys=True) + '\n',
                                             encoding='utf-8')
        print('recorded %d jobs, %d files in %s' % (len(after), sum(map(len, after.values())),
                                                     args.record))
        return 0
    lines = differences(before, after)
    for line in lines:
        print(line)
    print('%d jobs: %s' % (len(after), 'identical' if not lines else '%d differences' % len(lines)))
    return 1 if lines else 0


if __name__ == '__main__':
    sys.exit(main())
