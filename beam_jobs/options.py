"""The job's options, defined once, and their validation before any pipeline is built.

Names follow Google's ``create_pretraining_data.py`` where one exists. Beam's own options
(``--runner``, ``--direct_num_workers``, ...) are parsed by Beam alongside these.
"""
import argparse

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, _BeamArgumentParser

from wwm.converter_markup import VARIANT_CHAINS
from wwm.dedup import NearDuplicateParams, band_layout
from wwm.filters import FilterThresholds
from wwm.segmenters import SEGMENTERS
from wwm.text_cleaning import URL_POLICIES, CleaningOptions

MASK_STRATEGIES = ('wwm', 'token')
CONVERSIONS = ('t2s', 'tw2sp', 'hk2s', 's2t', 'none')
CONVERTER_MARKUP = ('auto', 'simplified', 'traditional', 'keep')


class UsageError(Exception):
    """A problem with the options; reported as one line, exit code 2."""


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if value.lower() in ('true', '1', 'yes'):
        return True
    if value.lower() in ('false', '0', 'no'):
        return False
    raise argparse.ArgumentTypeError('expected true or false, got %r' % value)


class PretrainingDataOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser):
        group = parser.add_argument_group('pretraining data')
        group.add_argument('--input', action='append', default=None,
                           help='Input file glob; repeat the option or separate globs with commas. '
                                'Plain text (blank line between documents) or JSON lines (.jsonl).')
        group.add_argument('--output_dir', default=None, help='Where shards and manifest.json go.')
        group.add_argument('--vocab_file', default=None,
                           help='BERT vocab.txt. If absent, a vocab is trained on the input.')
        group.add_argument('--vocab_size', type=int, default=21128,
                           help='Size of the vocab trained when --vocab_file is absent.')
        group.add_argument('--do_lower_case', type=_bool, nargs='?', const=True, default=True)
        group.add_argument('--max_seq_length', type=int, default=128)
        group.add_argument('--max_predictions_per_seq', type=int, default=20)
        group.add_argument('--masked_lm_prob', type=float, default=0.15)
        group.add_argument('--dupe_factor', type=int, default=10,
                           help='Copies of each document, each masked differently.')
        group.add_argument('--short_seq_prob', type=float, default=0.1)
        group.add_argument('--random_seed', type=int, default=12345)
        group.add_argument('--convert', default='t2s',
                           help='OpenCC conversion: %s.' % ', '.join(CONVERSIONS))
        group.add_argument('--segmenter', default='jieba', help='One of: %s.' % ', '.join(SEGMENTERS))
        group.add_argument('--mask_strategy', default='wwm',
                           help='wwm: whole words of the segmentation; token: single tokens.')
        group.add_argument('--num_shards', type=int, default=8)
        group.add_argument('--bucket_size', type=int, default=1000,
                           help='Documents per bucket that random next-sentence segments are drawn '
                                'from (bounds memory per worker).')
        group.add_argument('--overwrite', type=_bool, nargs='?', const=True, default=False,
                           help='Replace an existing dataset in --output_dir.')
        _add_cleaning_args(parser.add_argument_group('cleaning, filters and deduplication'))


def _add_cleaning_args(group):
    filters = FilterThresholds()
    near = NearDuplicateParams()
    group.add_argument('--converter_markup', default='auto',
                       help='MediaWiki -{...}- markup: the variant to keep (simplified, traditional; '
                            'auto: traditional for --convert s2t, else simplified), or keep it as is.')
    group.add_argument('--strip_html', type=_bool, nargs='?', const=True, default=True,
                       help='Remove HTML tags and comments, decode entities.')
    group.add_argument('--urls', default='remove', help='URLs and e-mail addresses: remove or keep.')
    group.add_argument('--remove_boilerplate', type=_bool, nargs='?', const=True, default=True,
                       help='Remove news boilerplate lines (credits, related links, notices).')
    group.add_argument('--min_chars', type=int, default=filters.min_chars,
                       help='Drop documents with fewer word characters (0: off).')
    group.add_argument('--min_cjk_fraction', type=float, default=filters.min_cjk_fraction,
                       help='Drop documents whose word characters are less CJK than this (0: off).')
    group.add_argument('--max_duplicate_line_fraction', type=float,
                       default=filters.max_duplicate_line_fraction,
                       help='Drop documents with more repeated lines than this (1: off).')
    group.add_argument('--max_top_ngram_fraction', type=float, default=filters.max_top_ngram_fraction,
                       help='Drop documents whose most frequent character 4-gram covers more (1: off).')
    group.add_argument('--max_duplicate_ngram_fraction', type=float,
                       default=filters.max_duplicate_ngram_fraction,
                       help='Drop documents whose repeated character 10-grams cover more (1: off).')
    group.add_argument('--dedup_exact', type=_bool, nargs='?', const=True, default=True,
                       help='Drop exact duplicates (after normalization), across all sources.')
    group.add_argument('--dedup_near', type=_bool, nargs='?', const=True, default=True,
                       help='Drop near duplicates (MinHash LSH), across all sources.')
    group.add_argument('--near_dup_threshold', type=float, default=near.threshold,
                       help='Estimated Jaccard similarity of shingle sets from which documents are '
                            'near duplicates.')
    group.add_argument('--minhash_num_perm', type=int, default=near.num_perm)
    group.add_argument('--lsh_bands', type=int, default=near.bands,
                       help='LSH bands; 0: chosen from the threshold (with --lsh_rows 0).')
    group.add_argument('--lsh_rows', type=int, default=near.rows, help='Signature values per band.')
    group.add_argument('--shingle_size', type=int, default=near.shingle_size,
                       help='Characters per shingle.')


def unknown_arguments(argv) -> list:
    """Arguments that neither Beam nor this job defines (Beam would drop them with a warning)."""
    parser = _BeamArgumentParser(allow_abbrev=False)
    seen = set()
    for cls in PipelineOptions.__subclasses__():
        if str(cls) not in seen:
            seen.add(str(cls))
            cls._add_argparse_args(parser)  # pylint: disable=protected-access
    _, unknown = parser.parse_known_args(argv)
    return [arg for arg in unknown if arg.startswith('-')]


def input_patterns(options) -> list:
    return [part.strip() for value in options.input or [] for part in value.split(',') if part.strip()]


def _common_folder(paths) -> str:
    folders = [path.rsplit('/', 1)[0] + '/' if '/' in path else '' for path in paths]
    prefix = folders[0]
    for folder in folders[1:]:
        while not folder.startswith(prefix):
            prefix = prefix[:-1].rsplit('/', 1)[0] + '/' if '/' in prefix[:-1] else ''
    return prefix


def resolve_inputs(patterns) -> list:
    """(path, name) for every matched file; name is the path below the files' common folder."""
    paths = set()
    for pattern in patterns:
        try:
            matched = FileSystems.match([pattern])[0].metadata_list
        except Exception as error:  # Beam raises BeamIOError or IOError depending on the filesystem.
            raise UsageError('cannot read input %r: %s' % (pattern, error)) from None
        matched = [m.path for m in matched if not m.path.endswith('/')]
        if not matched:
            raise UsageError('no input file matched %r' % pattern)
        paths.update(matched)
    paths = sorted(paths)
    prefix = _common_folder(paths)
    return [(path, path[len(prefix):]) for path in paths]


def _check_ranges(options) -> None:
    checks = [
        (options.max_seq_length >= 5, '--max_seq_length must be at least 5'),
        (1 <= options.max_predictions_per_seq <= options.max_seq_length - 3,
         '--max_predictions_per_seq must be between 1 and max_seq_length - 3 (%d), got %d'
         % (options.max_seq_length - 3, options.max_predictions_per_seq)),
        (0 < options.masked_lm_prob <= 1, '--masked_lm_prob must be in (0, 1]'),
        (0 <= options.short_seq_prob <= 1, '--short_seq_prob must be in [0, 1]'),
        (options.dupe_factor >= 1, '--dupe_factor must be at least 1'),
        (options.num_shards >= 1, '--num_shards must be at least 1'),
        (options.bucket_size >= 2, '--bucket_size must be at least 2'),
        (options.vocab_size >= 200, '--vocab_size must be at least 200'),
        (options.segmenter in SEGMENTERS,
         'unknown --segmenter %r (choose from %s)' % (options.segmenter, ', '.join(SEGMENTERS))),
        (options.mask_strategy in MASK_STRATEGIES,
         'unknown --mask_strategy %r (choose from %s)' % (options.mask_strategy,
                                                          ', '.join(MASK_STRATEGIES))),
    ]
    for ok, message in checks:
        if not ok:
            raise UsageError(message)


def _choice(options, name: str, choices) -> tuple:
    value = getattr(options, name)
    return (value in choices, 'unknown --%s %r (choose from %s)' % (name, value, ', '.join(choices)))


def _check_cleaning(options) -> None:
    fractions = ('min_cjk_fraction', 'max_duplicate_line_fraction', 'max_top_ngram_fraction',
                 'max_duplicate_ngram_fraction')
    checks = [
        _choice(options, 'convert', CONVERSIONS),
        _choice(options, 'converter_markup', CONVERTER_MARKUP),
        _choice(options, 'urls', URL_POLICIES),
        (options.min_chars >= 0, '--min_chars must be at least 0'),
        (0 < options.near_dup_threshold <= 1, '--near_dup_threshold must be in (0, 1]'),
        (options.minhash_num_perm >= 2, '--minhash_num_perm must be at least 2'),
        (options.shingle_size >= 1, '--shingle_size must be at least 1'),
        ((options.lsh_bands == options.lsh_rows == 0)
         or (options.lsh_bands >= 1 and options.lsh_rows >= 1
             and options.lsh_bands * options.lsh_rows <= options.minhash_num_perm),
         '--lsh_bands and --lsh_rows must both be 0, or both positive with bands x rows at most '
         '--minhash_num_perm (%d)' % options.minhash_num_perm),
    ] + [(0 <= getattr(options, name) <= 1, '--%s must be in [0, 1]' % name) for name in fractions]
    for ok, message in checks:
        if not ok:
            raise UsageError(message)
    if options.dedup_near and not options.lsh_bands:
        try:
            band_layout(near_duplicate_params(options))
        except ValueError as error:  # datasketch finds no layout of at least 2 bands
            raise UsageError('no LSH layout for --near_dup_threshold %g with --minhash_num_perm %d (%s); '
                             'give --lsh_bands and --lsh_rows' % (options.near_dup_threshold,
                                                                   options.minhash_num_perm, error)) from None


def validate(options) -> list:
    """Check every option; return the resolved input files. Raises UsageError."""
    if not input_patterns(options):
        raise UsageError('--input is required')
    if not options.output_dir:
        raise UsageError('--output_dir is required')
    _check_ranges(options)
    _check_cleaning(options)
    if options.vocab_file and not FileSystems.exists(options.vocab_file):
        raise UsageError('--vocab_file %s does not exist' % options.vocab_file)
    manifest = FileSystems.join(options.output_dir, 'manifest.json')
    if FileSystems.exists(manifest) and not options.overwrite:
        raise UsageError('%s already holds a dataset; pass --overwrite to replace it'
                         % options.output_dir)
    return resolve_inputs(input_patterns(options))


def cleaning_options(options) -> CleaningOptions:
    markup = options.converter_markup
    if markup == 'auto':
        markup = 'traditional' if options.convert == 's2t' else 'simplified'
    return CleaningOptions(markup_chain=VARIANT_CHAINS.get(markup), strip_html=options.strip_html,
                           urls=options.urls)


def filter_thresholds(options) -> FilterThresholds:
    return FilterThresholds(options.min_chars, options.min_cjk_fraction,
                            options.max_duplicate_line_fraction, options.max_top_ngram_fraction,
                            options.max_duplicate_ngram_fraction)


def near_duplicate_params(options):
    """NearDuplicateParams, or None when near-duplicate removal is off."""
    if not options.dedup_near:
        return None
    return NearDuplicateParams(options.near_dup_threshold, options.minhash_num_perm, options.lsh_bands,
                               options.lsh_rows, options.shingle_size)
