"""The job's options, defined once, and their validation before any pipeline is built.

Names follow Google's ``create_pretraining_data.py`` where one exists. Beam's own options
(``--runner``, ``--direct_num_workers``, ...) are parsed by Beam alongside these.
"""
import argparse

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, _BeamArgumentParser

from wwm.segmenters import SEGMENTERS
from wwm.shard_writers import OUTPUT_FORMATS, TFRECORD_COMPRESSIONS

MASK_STRATEGIES = ('wwm', 'token')


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
                           help='OpenCC config (t2s, tw2sp, hk2s, s2t, ...), or "none".')
        group.add_argument('--segmenter', default='jieba', help='One of: %s.' % ', '.join(SEGMENTERS))
        group.add_argument('--mask_strategy', default='wwm',
                           help='wwm: whole words of the segmentation; token: single tokens.')
        group.add_argument('--num_shards', type=int, default=8,
                           help='Files per output format, balanced to within one record.')
        group.add_argument('--output_format', action='append', default=None,
                           help='tfrecord, arrow or parquet (default tfrecord); repeat the option or '
                                'separate formats with commas to write several from the same instances.')
        group.add_argument('--tfrecord_compression', default='none',
                           help='none or gzip (TensorFlow reads GZIP TFRecord, not zstd).')
        group.add_argument('--bucket_size', type=int, default=1000,
                           help='Documents per bucket that random next-sentence segments are drawn '
                                'from (bounds memory per worker).')
        group.add_argument('--overwrite', type=_bool, nargs='?', const=True, default=False,
                           help='Replace an existing dataset in --output_dir.')


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


def output_formats(options) -> list:
    """The requested output formats in OUTPUT_FORMATS order (default tfrecord)."""
    given = [part.strip() for value in options.output_format or ['tfrecord']
             for part in value.split(',') if part.strip()]
    for name in given:
        if name not in OUTPUT_FORMATS:
            raise UsageError('unknown --output_format %r (choose from %s)'
                             % (name, ', '.join(OUTPUT_FORMATS)))
    return [name for name in OUTPUT_FORMATS if name in given]


def _check_outputs(options) -> None:
    formats = output_formats(options)
    if options.tfrecord_compression not in TFRECORD_COMPRESSIONS:
        raise UsageError('unknown --tfrecord_compression %r (choose from %s)'
                         % (options.tfrecord_compression, ', '.join(TFRECORD_COMPRESSIONS)))
    if options.tfrecord_compression != 'none' and 'tfrecord' not in formats:
        raise UsageError('--tfrecord_compression %s needs --output_format tfrecord'
                         % options.tfrecord_compression)


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


def _check_convert(config: str) -> None:
    if config == 'none':
        return
    import opencc
    try:
        opencc.OpenCC(config)
    except Exception:  # OpenCC raises a bare RuntimeError/ValueError for unknown configs.
        raise UsageError('unknown --convert %r (an OpenCC config such as t2s, tw2sp, hk2s, s2t, '
                         'or none)' % config) from None


def validate(options) -> list:
    """Check every option; return the resolved input files. Raises UsageError."""
    if not input_patterns(options):
        raise UsageError('--input is required')
    if not options.output_dir:
        raise UsageError('--output_dir is required')
    _check_ranges(options)
    _check_outputs(options)
    _check_convert(options.convert)
    if options.vocab_file and not FileSystems.exists(options.vocab_file):
        raise UsageError('--vocab_file %s does not exist' % options.vocab_file)
    manifest = FileSystems.join(options.output_dir, 'manifest.json')
    if FileSystems.exists(manifest) and not options.overwrite:
        raise UsageError('%s already holds a dataset; pass --overwrite to replace it'
                         % options.output_dir)
    return resolve_inputs(input_patterns(options))
