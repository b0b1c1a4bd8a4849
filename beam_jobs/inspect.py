"""Verify datasets against their manifests and show what they hold.

    python -m beam_jobs.inspect OUTPUT_DIR [--examples N] [--report FILE.html]

OUTPUT_DIR is a dataset (it holds manifest.json) or holds datasets one folder down (seq128/,
seq512/). For every output format, each shard's sha256 and record count are checked against the
manifest; counts and statistics are printed and N examples decoded to text, masked positions shown
as [written→original] (static masking) or tokens grouped into whole words (dynamic masking).
Exit status: 0 when everything verifies; 1 when a shard does not, or a ``part-*`` file the manifest
does not list lies beside the shards (a reader that globs the folder would take it); 2, with one
line, when there is no dataset or its manifest (or its vocab.txt or tokenizer.json) is missing,
empty, cut short or not a manifest.
"""
import datetime
import hashlib
import itertools
import json
import sys
import zlib

from apache_beam.io.filesystems import CompressionTypes, FileSystems

from beam_jobs.failures import OneLineErrorParser, UsageError
from schemas.manifest import parse_manifest, tokens_by_source
from schemas.output_layout import MANIFEST_NAME, VOCAB_NAME
from wwm.report import html as html_report
from wwm.report.stats import DatasetStats
from wwm.records.shard_readers import read_instances
from wwm.tokens.tokenizer import dataset_tokenizer

_CHUNK = 1 << 20
_DAMAGED = (ValueError, OSError, EOFError, zlib.error)


def _read(path: str) -> bytes:
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        return handle.read()


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b''):
            digest.update(chunk)
    return digest.hexdigest()


def find_datasets(output_dir: str) -> list:
    """(name, folder) of each finished dataset: OUTPUT_DIR itself, else its sub-folders'."""
    if FileSystems.exists(FileSystems.join(output_dir, MANIFEST_NAME)):
        return [(output_dir.rstrip('/').rsplit('/', 1)[-1] or output_dir, output_dir)]
    pattern = FileSystems.join(output_dir, '*', MANIFEST_NAME)
    manifests = sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)
    folders = [path[:-len(MANIFEST_NAME) - 1] for path in manifests]
    return [(folder.rsplit('/', 1)[-1], folder) for folder in folders]


def _check_shard(folder: str, output_format: str, shard: dict, on_instance) -> list:
    path = FileSystems.join(folder, shard['file_name'])
    if not FileSystems.exists(path):
        return ['%s is missing' % shard['file_name']]
    problems = []
    if _sha256(path) != shard['sha256']:
        problems.append('%s: sha256 differs from the manifest' % shard['file_name'])
    records = 0
    try:
        for instance in read_instances(path, output_format):
            on_instance(instance)
            records += 1
    except _DAMAGED as error:
        return problems + ['%s: unreadable after %d records (%s)' % (shard['file_name'], records, error)]
    if records != shard['records']:
        problems.append('%s: %d records, manifest says %d' % (shard['file_name'], records,
                                                             shard['records']))
    return problems


class NotADataset(Exception):
    """The folder's manifest or vocab cannot be read as a dataset's: one line, exit status 2."""


def _stray_files(folder: str, manifest: dict) -> list:
    """Problems: ``part-*`` files of the folder that the manifest does not list."""
    listed = {shard['file_name'] for layout in manifest['formats'].values() for shard in layout['shards']}
    matched = FileSystems.match([FileSystems.join(folder, 'part-*')])[0].metadata_list
    found = [m.path.rsplit('/', 1)[-1] for m in matched]
    return ['%s is not listed by the manifest (a stray file beside the shards)' % name
            for name in sorted(found) if name not in listed]


def verify(folder: str, manifest: dict, stats: DatasetStats) -> list:
    """Problems found in every format's shards (empty when all match), and stray ``part-*`` files;
    stats from the first format."""
    problems = _stray_files(folder, manifest)
    for number, (output_format, layout) in enumerate(manifest['formats'].items()):
        on_instance = stats.add if number == 0 else (lambda _: None)
        for shard in layout['shards']:
            problems += _check_shard(folder, output_format, shard, on_instance)
    return problems


def _token(id_to_token: dict, token_id: int) -> str:
    return id_to_token.get(token_id, '[%d]' % token_id)


def describe_example(instance, id_to_token: dict) -> list:
    """Lines showing an instance as text: masks as [written→original], or whole-word groups."""
    tokens = [_token(id_to_token, i) for i in instance.input_ids]
    if instance.word_ids:
        words = [''.join(tokens[p] for p, _ in group)
                 for _, group in itertools.groupby(enumerate(instance.word_ids), key=lambda x: x[1])]
        refs = ' '.join('%d:%s' % (p, tokens[p]) for p in instance.chinese_ref)
        return ['  words:       ' + ' | '.join(words), '  chinese_ref: ' + (refs or '(none)')]
    for position, original in zip(instance.masked_lm_positions, instance.masked_lm_ids):
        written = 'MASK' if tokens[position] == '[MASK]' else tokens[position]
        tokens[position] = '[%s→%s]' % (written, _token(id_to_token, original))
    return ['  tokens: ' + ' '.join(tokens)]


def _first_instances(folder: str, manifest: dict, count: int) -> list:
    output_format, layout = next(iter(manifest['formats'].items()))
    paths = (FileSystems.join(folder, shard['file_name']) for shard in layout['shards'])
    instances = itertools.chain.from_iterable(read_instances(path, output_format) for path in paths)
    return list(itertools.islice(instances, count))


def _masking_line(stats: DatasetStats) -> str:
    if stats.group_sizes:
        groups = sum(stats.group_sizes.values())
        tokens = sum(size * count for size, count in stats.group_sizes.items())
        return 'whole-word groups %d, %.2f tokens each' % (groups, tokens / groups)
    masked = sum(stats.masked.values()) or 1
    return 'masked share %.3f ([MASK] %.3f, random %.3f, kept %.3f)' % (
        stats.masked_share(), stats.masked['mask'] / masked, stats.masked['replaced'] / masked,
        stats.masked['kept'] / masked)


def _print_dataset(name: str, manifest: dict, stats: DatasetStats, problems: list) -> None:
    print('== dataset %s: masking %s, strategy %s, max_seq_length %d' % (
        name, manifest['masking'], manifest['options'].get('mask_strategy'),
        manifest['options']['max_seq_length']))
    print('counts:', json.dumps(manifest['counts'], ensure_ascii=False))
    print('dropped:', json.dumps(manifest['dropped'], ensure_ascii=False))
    print('tokens by source:', json.dumps(tokens_by_source(manifest), ensure_ascii=False))
    for output_format, layout in manifest['formats'].items():
        print('%s: %d shards, records per shard %s' % (
            output_format, len(layout['shards']), [s['records'] for s in layout['shards']]))
    if stats.instances:
        print('average tokens per instance %.1f, next-sentence label 1 in %.3f, %s' % (
            stats.tokens / stats.instances, stats.positive_labels / stats.instances, _masking_line(stats)))
    print('shards: %d verified, %d problem(s)' % (
        sum(len(layout['shards']) for layout in manifest['formats'].values()), len(problems)))


def _read_dataset(folder: str) -> tuple:
    """(manifest, its tokenizer's TokenizerFile) of the dataset in ``folder``; NotADataset saying
    what is wrong."""
    path = FileSystems.join(folder, MANIFEST_NAME)
    try:
        manifest = parse_manifest(_read(path))
    except (OSError, ValueError) as error:
        raise NotADataset('%s: %s' % (path, error)) from None
    path = FileSystems.join(folder, manifest['vocab'].get('file', VOCAB_NAME))
    try:
        tokenizer = dataset_tokenizer(folder, manifest)
        tokenizer.special_ids()
    except (OSError, ValueError, KeyError) as error:
        raise NotADataset('%s is not the tokenizer of a dataset: %s' % (path, error)) from None
    return manifest, tokenizer


def inspect_dataset(name: str, folder: str, examples: int) -> html_report.DatasetReport:
    manifest, tokenizer = _read_dataset(folder)
    stats = DatasetStats(tokenizer.special_ids()['mask'])
    problems = verify(folder, manifest, stats)
    for problem in problems:
        print('inspect: %s: %s' % (name, problem), file=sys.stderr)
    _print_dataset(name, manifest, stats, problems)
    id_to_token = tokenizer.token_texts()
    decoded = []
    if not problems:
        for number, instance in enumerate(_first_instances(folder, manifest, examples), 1):
            decoded.append(['example %d (next sentence label %d)' % (number, instance.next_sentence_label)]
                           + describe_example(instance, id_to_token))
            print('\n' + '\n'.join(decoded[-1]))
    print()
    return html_report.DatasetReport(name, manifest, stats, problems, decoded)


def main(argv=None) -> int:
    parser = OneLineErrorParser(prog='inspect', description=__doc__.split('\n')[0])
    parser.add_argument('output_dir')
    parser.add_argument('--examples', type=int, default=2, help='how many examples to decode')
    parser.add_argument('--report', help='write a self-contained HTML page with plots here')
    try:
        args = parser.parse_args(argv)
    except UsageError as error:
        print('inspect: error: %s' % error, file=sys.stderr)
        return 2
    datasets = find_datasets(args.output_dir)
    if not datasets:
        print('inspect: error: %s has no %s (not a finished dataset)' % (args.output_dir, MANIFEST_NAME),
              file=sys.stderr)
        return 2
    try:
        reports = [inspect_dataset(name, folder, args.examples) for name, folder in datasets]
    except NotADataset as error:
        print('inspect: error: %s' % error, file=sys.stderr)
        return 2
    if args.report:
        made = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
        page = html_report.render('Pretraining data in %s' % args.output_dir, reports, made)
        with open(args.report, 'w', encoding='utf-8') as handle:
            handle.write(page)
        print('report written to %s' % args.report)
    return 1 if any(report.problems for report in reports) else 0


if __name__ == '__main__':
    sys.exit(main())
