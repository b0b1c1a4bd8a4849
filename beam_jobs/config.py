"""The run's configuration: made once from the parsed command line, frozen, in sections that check
themselves and hand each stage the settings it takes.

Each section's fields are options of beam_jobs/options.py under their own names, holding the value
the run uses: defaults that depend on other options filled in (--dupe_factor, --mask_unit,
--ngram_probs, --max_predictions_per_seq), local paths made absolute (workers run in another
folder), repeated options as tuples. A section checks its values when it is made (UsageError, one
line); ``check_paths`` checks the files and folders it names, once every value is known good.
"""
import argparse
from dataclasses import dataclass, fields, is_dataclass
from typing import Optional, Tuple

from beam_jobs.failures import UsageError
from beam_jobs.inputs import input_patterns, resolve_inputs, source_entries
from beam_jobs.options import (CONVERSIONS, CONVERTER_MARKUP, DEFAULT_BUCKET_SIZE, MASKING_MODES,
                               MAX_NUM_SHARDS, MAX_SEQ_LENGTH_LIMIT, TOKENIZER_KINDS, PretrainingDataOptions, dataset_plans,
                               length_pairs, output_formats)
from beam_jobs.output_folder import check_output_folders
from beam_jobs.path_checks import (absolute, check_file, check_segmenter_model, check_user_dict,
                                   check_writable_folder)
from beam_jobs.runner_options import runner_problem
from schemas.sources import FORMATS, MIN_MAX_DOCUMENT_CHARS, InputFile, ReadSpec
from transforms.create_instances import SENTENCE_PAIRS, InstanceConfig, needs_buckets
from wwm.text.converter_markup import VARIANT_CHAINS
from wwm.dedup import NearDuplicateParams, band_layout
from wwm.text.filters import FilterThresholds
from wwm.instances.masking import (DEFAULT_NGRAM_PROBS, STRATEGIES as MASK_STRATEGIES, UNITS as MASK_UNITS,
                         MaskingConfig)
from wwm.readers.encodings import normalize_encoding
from wwm.segmenters import MODEL_SEGMENTERS, SEGMENTERS
from wwm.records.shard_writers import TFRECORD_COMPRESSIONS, output_specs
from wwm.text.cleaning import URL_POLICIES, CleaningOptions
from wwm.tokens.tokenizer import parse_special_tokens

# The options the manifest does not record, and why; it records every other one.
UNRECORDED_OPTIONS = {
    'input': 'the manifest names the input files below their common folder (input_files), so a '
             'moved corpus gives the same manifest',
    'sources': 'as --input: the files and their weights are recorded',
    'output_dir': 'where the dataset is, not what it holds',
    'sort_temp_dir': 'where the shards are sorted, not what they hold',
    'max_seq_length': 'recorded per dataset',
    'max_predictions_per_seq': 'recorded per dataset',
    'similar_words': "recorded as the table's sha256",
    'segmenter_threads': 'changes speed, not words',
    'overwrite': 'what happens to an existing dataset, not what the new one holds',
    'allow_other_files': "what else --output_dir may hold, not the dataset",
    'allow_empty': 'the exit code of an empty run, not the dataset',
    'progress_seconds': 'how often a local run prints its progress, not what it writes',
}


def _check(checks) -> None:
    """Raise UsageError with the message of the first (ok, message) that is not ok."""
    for ok, message in checks:
        if not ok:
            raise UsageError(message)


def _choice(name: str, value, choices) -> tuple:
    return value in choices, 'unknown --%s %r (choose from %s)' % (name, value, ', '.join(choices))


class _Section:
    """A section made from the options named as its fields."""

    @classmethod
    def from_options(cls, options):
        return cls._from(options)

    @classmethod
    def _from(cls, options, **resolved):
        """The section of the options' values, ``resolved`` ones replacing what was given."""
        values = {field.name: getattr(options, field.name) for field in fields(cls)}
        values.update(resolved)
        return cls(**values)

    def check_paths(self) -> None:
        """Check the files and folders the section names (none here)."""


def _encoding(name: str) -> str:
    try:
        return normalize_encoding(name)
    except ValueError as error:
        raise UsageError('--input_encoding: %s' % error) from None


@dataclass(frozen=True)
class InputSettings(_Section):
    """Which files are read, and how (ReadSpec)."""
    input: Tuple[str, ...]
    sources: Optional[str]
    input_format: str
    input_encoding: str
    text_field: str
    max_line_bytes: int
    max_document_chars: int

    def __post_init__(self):
        _check([
            (self.input or self.sources, '--input is required (or --sources)'),
            (not (self.input and self.sources), '--sources and --input are mutually exclusive'),
            _choice('input_format', self.input_format, FORMATS),
            (self.max_line_bytes >= 1024, '--max_line_bytes must be at least 1024'),
            (self.max_document_chars >= MIN_MAX_DOCUMENT_CHARS,
             '--max_document_chars must be at least %d' % MIN_MAX_DOCUMENT_CHARS),
        ])
        _encoding(self.input_encoding)

    @classmethod
    def from_options(cls, options):
        return cls._from(options, input=tuple(absolute(p) for p in input_patterns(options.input)),
                         sources=absolute(options.sources))

    @property
    def read_spec(self) -> ReadSpec:
        """How ReadDocuments reads each --input file (a --sources entry may override it)."""
        return ReadSpec(self.input_format, _encoding(self.input_encoding), self.text_field,
                        self.max_line_bytes, self.max_document_chars)

    def files(self) -> Tuple[InputFile, ...]:
        """The input files, matched now (UsageError where a glob matches nothing)."""
        return tuple(resolve_inputs(source_entries(self.input, self.sources, self.read_spec)))


@dataclass(frozen=True)
class OutputSettings(_Section):
    """Where and how the shards are written, what the output folder may hold, and how often a local
    run reports its progress."""
    output_dir: str
    output_format: Tuple[str, ...]
    tfrecord_compression: str
    num_shards: int
    sort_temp_dir: Optional[str]
    overwrite: bool
    allow_other_files: bool
    allow_empty: bool
    progress_seconds: float

    def __post_init__(self):
        _check([
            (self.output_dir, '--output_dir is required'),
            (self.progress_seconds >= 0, '--progress_seconds must be at least 0 (0: no progress '
                                         'lines), got %g' % self.progress_seconds),
            (1 <= self.num_shards <= MAX_NUM_SHARDS,
             '--num_shards must be between 1 and %d, got %d' % (MAX_NUM_SHARDS, self.num_shards)),
            _choice('tfrecord_compression', self.tfrecord_compression, TFRECORD_COMPRESSIONS),
            (self.tfrecord_compression == 'none' or 'tfrecord' in self.output_format,
             '--tfrecord_compression %s needs --output_format tfrecord' % self.tfrecord_compression),
        ])

    @classmethod
    def from_options(cls, options):
        return cls._from(options, output_dir=absolute(options.output_dir),
                         output_format=tuple(output_formats(options)),
                         sort_temp_dir=absolute(options.sort_temp_dir))

    def check_paths(self) -> None:
        check_writable_folder('output_dir', self.output_dir)
        check_writable_folder('sort_temp_dir', self.sort_temp_dir)

    def specs(self, masking: str, max_seq_length: int, max_predictions_per_seq: int,
              vocab_size=None) -> list:
        """The OutputSpec of each format of one dataset, whose vocab has ``vocab_size`` entries."""
        return output_specs(self.output_format, self.tfrecord_compression, masking, max_seq_length,
                            max_predictions_per_seq, vocab_size)


def parse_ngram_probs(text: str) -> tuple:
    """"0.4,0.3,0.2,0.1" -> probabilities of 1..N-word n-grams. Raises UsageError."""
    try:
        probs = tuple(float(part) for part in text.split(','))
    except ValueError:
        raise UsageError('--ngram_probs must be comma-separated numbers, got %r' % text) from None
    if any(not 0 <= p <= 1 for p in probs) or abs(sum(probs) - 1) > 1e-6:
        raise UsageError('--ngram_probs must be probabilities summing to 1, got %r' % text)
    return probs


@dataclass(frozen=True)
class MaskingSettings(_Section):
    """Static masking (what is masked, and how) or dynamic (the trainer masks)."""
    masking: str
    mask_strategy: str
    mask_unit: str
    masked_lm_prob: float
    ngram_probs: Optional[str]
    similar_words: Optional[str]

    def __post_init__(self):
        mac = self.mask_strategy == 'mac'
        _check([
            (0 < self.masked_lm_prob <= 1, '--masked_lm_prob must be in (0, 1]'),
            _choice('mask_strategy', self.mask_strategy, MASK_STRATEGIES),
            _choice('masking', self.masking, MASKING_MODES),
            _choice('mask_unit', self.mask_unit, MASK_UNITS),
            (not (mac and self.mask_unit == 'token'),
             '--mask_strategy mac replaces whole words: --mask_unit must be word'),
            (not (mac and self.masking == 'dynamic'),
             '--mask_strategy mac needs static masking (the similar-word table is applied at build time)'),
            (not mac or self.similar_words, '--mask_strategy mac needs --similar_words'),
            (mac or not self.similar_words, '--similar_words is only used by --mask_strategy mac'),
            (self._ngram_like or self.ngram_probs is None,
             '--ngram_probs is only used by --mask_strategy ngram or mac'),
        ])
        if self.ngram_probs is not None:
            parse_ngram_probs(self.ngram_probs)

    @property
    def _ngram_like(self) -> bool:
        return self.mask_strategy in ('ngram', 'mac')

    @classmethod
    def from_options(cls, options):
        """Defaults: --mask_unit word for mac, else token; --ngram_probs 0.4,0.3,0.2,0.1 where used."""
        strategy, ngram_probs = options.mask_strategy, options.ngram_probs
        if strategy in ('ngram', 'mac'):
            ngram_probs = ngram_probs or ','.join(map(str, DEFAULT_NGRAM_PROBS))
        unit = options.mask_unit or ('word' if strategy == 'mac' else 'token')
        return cls._from(options, mask_unit=unit, ngram_probs=ngram_probs,
                         similar_words=absolute(options.similar_words))

    def check_paths(self) -> None:
        check_file('similar_words', self.similar_words)

    def masking_config(self, max_predictions_per_seq: int) -> MaskingConfig:
        """What MaskInstances takes for one dataset (static masking)."""
        return MaskingConfig(self.mask_strategy, self.mask_unit, self.masked_lm_prob,
                             max_predictions_per_seq,
                             parse_ngram_probs(self.ngram_probs) if self.ngram_probs else ())


@dataclass(frozen=True)
class InstanceSettings(_Section):
    """How documents become instances, and the datasets' lengths (one dataset per length)."""
    sentence_pair: str
    cross_document: bool
    short_seq_prob: float
    dupe_factor: int
    bucket_size: int
    max_seq_length: Tuple[int, ...]
    max_predictions_per_seq: Tuple[int, ...]

    def __post_init__(self):
        _check([
            (0 <= self.short_seq_prob <= 1, '--short_seq_prob must be in [0, 1]'),
            (self.dupe_factor >= 1, '--dupe_factor must be at least 1'),
            (self.bucket_size >= 2, '--bucket_size must be at least 2'),
            _choice('sentence_pair', self.sentence_pair, SENTENCE_PAIRS),
            (self.sentence_pair == 'none' or not self.cross_document,
             '--cross_document only applies to --sentence_pair none'),
        ])
        for length, predictions in zip(self.max_seq_length, self.max_predictions_per_seq):
            _check([
                (5 <= length <= MAX_SEQ_LENGTH_LIMIT,
                 '--max_seq_length must be between 5 and %d, got %d' % (MAX_SEQ_LENGTH_LIMIT, length)),
                (1 <= predictions <= length - 3,
                 '--max_predictions_per_seq must be between 1 and max_seq_length - 3 (%d), got %d'
                 % (length - 3, predictions)),
            ])

    @classmethod
    def from_options(cls, options, masking: str):
        """Default --dupe_factor: 10 with static ``masking``, 1 with dynamic. Default --bucket_size:
        DEFAULT_BUCKET_SIZE, times the longest --max_seq_length / 512 above 512: a bucket's last
        pack is its only one not full, so a bucket must hold many packs (at 8192 with 250 documents
        a bucket, 4.6% of the packs were partial and the packs 97.9% full; with 4000, 1.3% and
        99.4%, on bench_corpus/corpus_10mb.txt)."""
        lengths, predictions = zip(*length_pairs(options))
        dupe_factor = options.dupe_factor
        if dupe_factor is None:
            dupe_factor = 10 if masking == 'static' else 1
        bucket_size = options.bucket_size
        if bucket_size is None:
            bucket_size = DEFAULT_BUCKET_SIZE * max(1, max(lengths) // 512)
        return cls._from(options, dupe_factor=dupe_factor, bucket_size=bucket_size,
                         max_seq_length=lengths, max_predictions_per_seq=predictions)

    @property
    def needs_buckets(self) -> bool:
        return needs_buckets(self.sentence_pair, self.cross_document)

    def instance_config(self, max_seq_length: int, seed: int, cls_id: int, sep_id: int) -> InstanceConfig:
        """What CreateInstances takes for the dataset of ``max_seq_length``."""
        return InstanceConfig(self.sentence_pair, self.cross_document, max_seq_length,
                              self.short_seq_prob, self.dupe_factor, seed, cls_id, sep_id)


@dataclass(frozen=True)
class TokenizationSettings(_Section):
    """The tokenizer (a BERT vocab or a tokenizer.json given, or one trained on the input),
    WordPiece's case folding for a vocab, and whether the characters the tokenizer lacks are mapped
    to ones it has."""
    vocab_file: Optional[str]
    tokenizer: Optional[str]
    special_tokens: Tuple[Tuple[str, str], ...]
    train_tokenizer: Optional[str]
    vocab_size: int
    tokenizer_sample_chars: int
    do_lower_case: bool
    map_unknown_characters: bool

    def __post_init__(self):
        _check([
            (not (self.vocab_file and self.tokenizer), '--vocab_file and --tokenizer are mutually exclusive'),
            (not self.special_tokens or self.tokenizer, '--special_tokens is only used with --tokenizer'),
            (not self.train_tokenizer or not (self.vocab_file or self.tokenizer),
             '--train_tokenizer trains a tokenizer instead of --vocab_file or --tokenizer: give one of them'),
            _choice('train_tokenizer', self.train_tokenizer or TOKENIZER_KINDS[0], TOKENIZER_KINDS),
            (self.vocab_size >= 200, '--vocab_size must be at least 200'),
            (self.tokenizer_sample_chars >= 10000, '--tokenizer_sample_chars must be at least 10000'),
        ])

    @classmethod
    def from_options(cls, options):
        try:
            special = parse_special_tokens(options.special_tokens)
        except ValueError as error:
            raise UsageError('--special_tokens: %s' % error) from None
        return cls._from(options, vocab_file=absolute(options.vocab_file),
                         tokenizer=absolute(options.tokenizer), special_tokens=special)

    def check_paths(self) -> None:
        check_file('vocab_file', self.vocab_file)
        check_file('tokenizer', self.tokenizer)

    @property
    def trained_kind(self) -> Optional[str]:
        """The kind of tokenizer the run trains (wordpiece when none is given), or None."""
        if self.vocab_file or self.tokenizer:
            return None
        return self.train_tokenizer or TOKENIZER_KINDS[0]


_FRACTIONS = ('min_cjk_fraction', 'max_duplicate_line_fraction', 'max_top_ngram_fraction',
              'max_duplicate_ngram_fraction')


@dataclass(frozen=True)
class CleaningSettings(_Section):
    """Cleaning, OpenCC conversion and the document filters."""
    convert: str
    converter_markup: str
    strip_html: bool
    urls: str
    remove_boilerplate: bool
    min_chars: int
    min_cjk_fraction: float
    max_duplicate_line_fraction: float
    max_top_ngram_fraction: float
    max_duplicate_ngram_fraction: float

    def __post_init__(self):
        _check([
            _choice('convert', self.convert, CONVERSIONS),
            _choice('converter_markup', self.converter_markup, CONVERTER_MARKUP),
            _choice('urls', self.urls, URL_POLICIES),
            (self.min_chars >= 0, '--min_chars must be at least 0'),
        ] + [(0 <= getattr(self, name) <= 1, '--%s must be in [0, 1]' % name) for name in _FRACTIONS])

    @property
    def cleaning_options(self) -> CleaningOptions:
        """What CleanDocuments takes; converter markup 'auto' follows --convert."""
        markup = self.converter_markup
        if markup == 'auto':
            markup = 'traditional' if self.convert == 's2t' else 'simplified'
        return CleaningOptions(markup_chain=VARIANT_CHAINS.get(markup), strip_html=self.strip_html,
                               urls=self.urls)

    @property
    def filter_thresholds(self) -> FilterThresholds:
        return FilterThresholds(self.min_chars, self.min_cjk_fraction, self.max_duplicate_line_fraction,
                                self.max_top_ngram_fraction, self.max_duplicate_ngram_fraction)


@dataclass(frozen=True)
class DedupSettings(_Section):
    """Exact and near-duplicate removal (MinHash LSH)."""
    dedup_exact: bool
    dedup_near: bool
    near_dup_threshold: float
    minhash_num_perm: int
    lsh_bands: int
    lsh_rows: int
    shingle_size: int

    def __post_init__(self):
        _check([
            (0 < self.near_dup_threshold <= 1, '--near_dup_threshold must be in (0, 1]'),
            (self.minhash_num_perm >= 2, '--minhash_num_perm must be at least 2'),
            (self.shingle_size >= 1, '--shingle_size must be at least 1'),
            ((self.lsh_bands == self.lsh_rows == 0)
             or (self.lsh_bands >= 1 and self.lsh_rows >= 1
                 and self.lsh_bands * self.lsh_rows <= self.minhash_num_perm),
             '--lsh_bands and --lsh_rows must both be 0, or both positive with bands x rows at most '
             '--minhash_num_perm (%d)' % self.minhash_num_perm),
        ])
        if self.dedup_near and not self.lsh_bands:
            try:
                band_layout(self.near_duplicate_params)
            except ValueError as error:  # no layout of at least 2 bands
                raise UsageError('no LSH layout for --near_dup_threshold %g with --minhash_num_perm %d '
                                 '(%s); give --lsh_bands and --lsh_rows'
                                 % (self.near_dup_threshold, self.minhash_num_perm, error)) from None

    @property
    def near_duplicate_params(self) -> Optional[NearDuplicateParams]:
        """What DeduplicateDocuments takes for near duplicates; None when their removal is off."""
        if not self.dedup_near:
            return None
        return NearDuplicateParams(self.near_dup_threshold, self.minhash_num_perm, self.lsh_bands,
                                   self.lsh_rows, self.shingle_size)


@dataclass(frozen=True)
class SegmentationSettings(_Section):
    """The word segmenter and what it is made with."""
    segmenter: str
    segmenter_model: Optional[str]
    user_dict: Optional[str]
    jieba_hmm: bool
    segmenter_batch_size: int
    segmenter_threads: int

    def __post_init__(self):
        _check([
            _choice('segmenter', self.segmenter, SEGMENTERS),
            (self.segmenter_batch_size >= 1 and self.segmenter_threads >= 1,
             '--segmenter_batch_size and --segmenter_threads must be at least 1'),
            (self.segmenter in MODEL_SEGMENTERS or not self.segmenter_model,
             '--segmenter_model is used by %s only, not by --segmenter %s'
             % (' and '.join(MODEL_SEGMENTERS), self.segmenter)),
        ])

    @classmethod
    def from_options(cls, options):
        return cls._from(options, segmenter_model=absolute(options.segmenter_model),
                         user_dict=absolute(options.user_dict))

    def check_paths(self) -> None:
        if self.segmenter in MODEL_SEGMENTERS:
            check_segmenter_model(self.segmenter, self.segmenter_model)
        if self.user_dict:
            check_user_dict(self.user_dict)

    @property
    def settings(self) -> dict:
        """Keyword arguments of ``wwm.segmenters.make_segmenter``."""
        return {'model': self.segmenter_model, 'user_dict': self.user_dict, 'hmm': self.jieba_hmm,
                'batch_size': self.segmenter_batch_size, 'threads': self.segmenter_threads}


@dataclass(frozen=True)
class JobConfig:
    """Everything a run is made of: the sections, the seed every random choice derives from, and
    the input files matched."""
    inputs: InputSettings
    cleaning: CleaningSettings
    dedup: DedupSettings
    segmentation: SegmentationSettings
    tokenization: TokenizationSettings
    instances: InstanceSettings
    masking: MaskingSettings
    output: OutputSettings
    random_seed: int
    files: Tuple[InputFile, ...]

    def option_values(self) -> dict:
        """{option name: the value the run uses} for every option of the job."""
        values = {'random_seed': self.random_seed}
        for field in fields(self):
            section = getattr(self, field.name)
            if is_dataclass(section):
                values.update((option.name, getattr(section, option.name)) for option in fields(section))
        return values

    def resolved_options(self) -> argparse.Namespace:
        """The options as the run uses them, as attributes (what beam_jobs.output_folder reads)."""
        return argparse.Namespace(**self.option_values())

    @property
    def plans(self) -> list:
        """The DatasetPlans: one dataset per --max_seq_length."""
        return dataset_plans(self.resolved_options())

    def manifest_options(self, similar_words_sha256=None) -> dict:
        """The manifest's options shared by every dataset: each option but UNRECORDED_OPTIONS, the
        input files (below their common folder) with their weights other than 1, and the similar
        word table's sha256."""
        options = {name: value for name, value in self.option_values().items()
                   if name not in UNRECORDED_OPTIONS}
        options['output_format'] = list(self.output.output_format)
        options['input_files'] = [f.name for f in self.files]
        options['input_weights'] = {f.name: f.weight for f in self.files if f.weight != 1}
        options['similar_words_sha256'] = similar_words_sha256
        return options


# The --max_predictions_per_seq BERT's README passes run_pretraining.py at each length it shows.
BERT_README_PREDICTIONS = {128: 20, 512: 80}


def predictions_warning(pipeline_options) -> Optional[str]:
    """Why the run's static datasets may not load in Google's run_pretraining.py as its README runs
    it: their --max_predictions_per_seq was defaulted (length * --masked_lm_prob, rounded up) to
    another value than the README's (512 gives 77, the README 80), and the trainer must be given
    the same number. None where it was given, masking is dynamic, or the defaults match (128: 20)."""
    options = pipeline_options.view_as(PretrainingDataOptions)
    if options.masking != 'static' or options.max_predictions_per_seq:
        return None
    pairs = length_pairs(options)
    differing = [(length, predictions) for length, predictions in pairs
                 if BERT_README_PREDICTIONS.get(length) != predictions]
    if not differing:
        return None
    several = len(pairs) > 1
    trainer = ', '.join('--max_predictions_per_seq=%d%s'
                        % (predictions, ' for seq%d' % length if several else '')
                        for length, predictions in differing)
    readme = [(length, BERT_README_PREDICTIONS[length]) for length, _ in differing
              if length in BERT_README_PREDICTIONS]
    if readme:
        hint = "BERT's README uses %s: pass %s to match it" % (
            ', '.join('%d%s' % (value, ' at %d' % length if several else '') for length, value in readme),
            ' '.join('--max_predictions_per_seq %d' % BERT_README_PREDICTIONS.get(length, predictions)
                     for length, predictions in pairs))
    else:
        hint = 'pass --max_predictions_per_seq%s to choose' % (
            ' once per --max_seq_length' if several else '')
    return ("--max_seq_length %s without --max_predictions_per_seq: using %s; Google's run_pretraining.py "
            'must then get %s (%s)' % (', '.join(str(length) for length, _ in pairs),
                                      ', '.join(str(predictions) for _, predictions in pairs), trainer, hint))


def build_config(pipeline_options) -> JobConfig:
    """The run's JobConfig from the parsed command line (parse_options), every option checked: the
    runner's first, then each section's values, then the paths they name, the inputs and the
    output folders. Raises UsageError."""
    options = pipeline_options.view_as(PretrainingDataOptions)
    problem = runner_problem(pipeline_options, {
        'input': input_patterns(options.input), 'output_dir': options.output_dir,
        'sort_temp_dir': options.sort_temp_dir, 'vocab_file': options.vocab_file,
        'tokenizer': options.tokenizer,
        'similar_words': options.similar_words, 'segmenter_model': options.segmenter_model,
        'user_dict': options.user_dict})
    if problem:
        raise UsageError(problem)
    inputs = InputSettings.from_options(options)
    output = OutputSettings.from_options(options)
    masking = MaskingSettings.from_options(options)
    sections = dict(inputs=inputs, output=output, masking=masking,
                    instances=InstanceSettings.from_options(options, masking.masking),
                    tokenization=TokenizationSettings.from_options(options),
                    cleaning=CleaningSettings.from_options(options),
                    dedup=DedupSettings.from_options(options),
                    segmentation=SegmentationSettings.from_options(options))
    tokenization = sections['tokenization']
    _check([(not masking.similar_words or tokenization.trained_kind != 'bpe' and not tokenization.tokenizer,
             '--similar_words replaces words by WordPiece tokens: it needs a BERT vocab (--vocab_file, '
             'or --train_tokenizer wordpiece)')])
    for name in ('segmentation', 'tokenization', 'masking', 'output'):
        sections[name].check_paths()
    config = JobConfig(**sections, random_seed=options.random_seed, files=inputs.files())
    check_output_folders(config.resolved_options(), config.files)
    return config
