"""The job's options, defined once, and their validation before any pipeline is built.

Names follow Google's ``create_pretraining_data.py`` where one exists. Beam's own options
(``--runner``, ``--direct_num_workers``, ...) are parsed by Beam alongside these.
"""
import argparse
import importlib.util
import json
import os

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, _BeamArgumentParser

from wwm.segmenters import MODEL_SEGMENTERS, SEGMENTERS
from wwm.segmenters.protected_words import parse_user_dict, read_user_dict

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
        # Word segmentation (wwm.segmenters).
        group.add_argument('--segmenter', default='jieba',
                           help='One of: %s (ltp needs `pip install .[ltp]`).' % ', '.join(SEGMENTERS))
        group.add_argument('--segmenter_model', default=None,
                           help='ltp: model folder (config.json, pytorch_model.bin, vocab.txt, ...); '
                                'ltp_legacy: model file (cws_model.bin). Local or any Beam '
                                'filesystem (gs://...); copied to each worker.')
        group.add_argument('--user_dict', default=None,
                           help='Protected words, one a line (jieba layout "word [freq] [tag]" '
                                'accepted): never split, with every segmenter.')
        group.add_argument('--jieba_hmm', type=_bool, nargs='?', const=True, default=True,
                           help='jieba: find words missing from its dictionary with its HMM.')
        group.add_argument('--segmenter_batch_size', type=int, default=32,
                           help='ltp, ltp_legacy: sentences per model call.')
        group.add_argument('--segmenter_threads', type=int, default=1,
                           help='ltp: torch CPU threads per worker; ltp_legacy: threads per batch.')
        group.add_argument('--mask_strategy', default='wwm',
                           help='wwm: whole words of the segmentation; token: single tokens.')
        group.add_argument('--num_shards', type=int, default=8)
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


# Packages each segmenter imports, checked without importing them (torch takes seconds).
_SEGMENTER_PACKAGES = {'ltp': ('ltp', 'torch', 'transformers'), 'ltp_legacy': ('ltp_extension',)}


def _check_ltp_folder(path: str) -> None:
    config_file = FileSystems.join(path, 'config.json')
    if not FileSystems.exists(config_file):
        raise UsageError('--segmenter_model %s is not an LTP model folder: it has no config.json' % path)
    with FileSystems.open(config_file) as handle:
        try:
            config = json.loads(handle.read())
        except ValueError:
            raise UsageError('--segmenter_model %s: config.json is not JSON' % path) from None
    if not config.get('nerual'):  # sic: LTP's own key
        raise UsageError('--segmenter_model %s is an LTP legacy model folder: use --segmenter '
                         'ltp_legacy with its cws model file' % path)
    if not FileSystems.exists(FileSystems.join(path, 'pytorch_model.bin')):
        raise UsageError('--segmenter_model %s is not an LTP model folder: it has no pytorch_model.bin' % path)


def _check_legacy_file(path: str) -> None:
    if os.path.isdir(path):
        raise UsageError('--segmenter_model %s is a folder; ltp_legacy needs a model file such as '
                         'cws_model.bin' % path)
    if FileSystems.get_scheme(path) is None:  # Remote models are only loaded on the workers.
        from wwm.segmenters.ltp_legacy import load_cws_model
        try:
            load_cws_model(path)
        except ValueError as error:
            raise UsageError('--segmenter_model: %s' % error) from None


def _check_segmenter_model(options) -> None:
    name, path = options.segmenter, options.segmenter_model
    missing = [package for package in _SEGMENTER_PACKAGES[name] if importlib.util.find_spec(package) is None]
    if missing:
        raise UsageError('--segmenter %s needs %s: pip install "zh-wwm-data[ltp]" (torch first)'
                         % (name, ', '.join(missing)))
    if not path:
        raise UsageError('--segmenter %s needs --segmenter_model (ltp: a model folder, ltp_legacy: '
                         'a model file)' % name)
    if not FileSystems.exists(path):
        raise UsageError('--segmenter_model %s does not exist' % path)
    if name == 'ltp':
        _check_ltp_folder(path)
    else:
        _check_legacy_file(path)


def _check_user_dict(path: str) -> None:
    if not FileSystems.exists(path):
        raise UsageError('--user_dict %s does not exist' % path)
    try:
        words = parse_user_dict(read_user_dict(path))
    except ValueError as error:
        raise UsageError('--user_dict %s is %s' % (path, error)) from None
    if not words:
        raise UsageError('--user_dict %s holds no words' % path)


def _check_segmenter(options) -> None:
    if options.segmenter not in SEGMENTERS:
        raise UsageError('unknown --segmenter %r (choose from %s)' % (options.segmenter, ', '.join(SEGMENTERS)))
    if options.segmenter_batch_size < 1 or options.segmenter_threads < 1:
        raise UsageError('--segmenter_batch_size and --segmenter_threads must be at least 1')
    if options.segmenter in MODEL_SEGMENTERS:
        _check_segmenter_model(options)
    elif options.segmenter_model:
        raise UsageError('--segmenter_model is used by %s only, not by --segmenter %s'
                         % (' and '.join(MODEL_SEGMENTERS), options.segmenter))
    if options.user_dict:
        _check_user_dict(options.user_dict)


def segmenter_settings(options) -> dict:
    """Keyword arguments of ``wwm.segmenters.make_segmenter`` from the job's options."""
    return {'model': options.segmenter_model, 'user_dict': options.user_dict, 'hmm': options.jieba_hmm,
            'batch_size': options.segmenter_batch_size, 'threads': options.segmenter_threads}


def validate(options) -> list:
    """Check every option; return the resolved input files. Raises UsageError."""
    if not input_patterns(options):
        raise UsageError('--input is required')
    if not options.output_dir:
        raise UsageError('--output_dir is required')
    _check_ranges(options)
    _check_convert(options.convert)
    _check_segmenter(options)
    if options.vocab_file and not FileSystems.exists(options.vocab_file):
        raise UsageError('--vocab_file %s does not exist' % options.vocab_file)
    manifest = FileSystems.join(options.output_dir, 'manifest.json')
    if FileSystems.exists(manifest) and not options.overwrite:
        raise UsageError('%s already holds a dataset; pass --overwrite to replace it'
                         % options.output_dir)
    return resolve_inputs(input_patterns(options))
