"""Build BERT whole-word-masking pretraining data from raw Chinese text.

    python -m beam_jobs.build_pretraining_data --input 'corpus/*.txt' --output_dir out \
        --vocab_file vocab.txt [Beam options such as --runner, --direct_num_workers]

Reads, cleans, converts (OpenCC), splits sentences, segments words, tokenizes (WordPiece), builds
NSP instances, masks whole words, and writes globally shuffled TFRecord shards with a manifest.
"""
import functools
import json
import logging
import sys

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from beam_jobs.options import (PretrainingDataOptions, UsageError, segmenter_settings, unknown_arguments,
                               validate)
from schemas import bert_features
from schemas.manifest import MANIFEST_NAME
from transforms.clean_documents import CleanDocuments
from transforms.commit_dataset import REJECTS_DIR, CommitDataset
from transforms.convert_chinese import ConvertChinese
from transforms.count_stats import CountStats, SampleDropped, SumStats
from transforms.create_instances import CreateInstances
from transforms.mask_instances import MaskInstances
from transforms.read_documents import ReadDocuments
from transforms.segment_words import SegmentWords
from transforms.split_sentences import SplitSentences
from transforms.tokenize_wordpiece import TokenizeWordPiece
from transforms.write_shards import WriteShards
from wwm import tfrecord, vocab as vocab_lib
from wwm.document_files import read_documents
from wwm.text_cleaning import clean_text

PROG = 'build_pretraining_data'
REJECT_SAMPLES = 20
# Recorded in the manifest. The input globs and output dir are not: the manifest names the input
# files relative to their common folder, so a moved corpus or output gives the same manifest.
# --segmenter_threads is left out: it changes speed, not words.
OPTION_NAMES = ('vocab_file', 'vocab_size', 'do_lower_case', 'max_seq_length',
                'max_predictions_per_seq', 'masked_lm_prob', 'dupe_factor', 'short_seq_prob',
                'random_seed', 'convert', 'segmenter', 'segmenter_model', 'user_dict', 'jieba_hmm',
                'segmenter_batch_size', 'mask_strategy', 'num_shards', 'bucket_size')


def _corpus_texts(files, convert: str):
    """The input's texts, cleaned and converted as the pipeline does, for vocab training."""
    converter = None
    if convert != 'none':
        import opencc
        converter = opencc.OpenCC(convert)
    for path, name in files:
        for record in read_documents(path, name):
            text = clean_text(getattr(record, 'text', ''))
            if text:
                yield converter.convert(text) if converter else text


def load_or_train_vocab(options, files) -> tuple:
    """(vocab bytes, token->id); trains a vocab on the input when --vocab_file is absent."""
    if options.vocab_file:
        data = vocab_lib.read_vocab_bytes(options.vocab_file)
    else:
        tokens = vocab_lib.train_vocab(_corpus_texts(files, options.convert), options.vocab_size,
                                       options.do_lower_case)
        data = ''.join(token + '\n' for token in tokens).encode('utf-8')
    try:
        vocab = vocab_lib.parse_vocab(data)
        vocab_lib.check_bert_layout(vocab)
    except (UnicodeDecodeError, ValueError) as error:
        raise UsageError('--vocab_file %s is not a BERT vocab: %s' % (options.vocab_file, error)) from None
    return data, vocab


def remove_previous_dataset(output_dir: str) -> None:
    """Delete the manifest first (the dataset stops being valid), then shards and rejects."""
    old = [FileSystems.join(output_dir, MANIFEST_NAME)]
    old += [m.path for m in FileSystems.match([FileSystems.join(output_dir, 'part-*')])[0].metadata_list]
    old += [FileSystems.join(output_dir, REJECTS_DIR)]
    FileSystems.delete([path for path in old if FileSystems.exists(path)])


def _document_stats(document):
    yield 'documents_kept', 1
    yield 'sentences', len(document.segments)
    yield 'tokens', sum(len(ids) for ids, _ in document.segments)
    yield 'unaligned_tokens', document.unaligned_tokens


def _instance_stats(keyed_instance):
    _, instance = keyed_instance
    yield 'instances', 1
    yield 'instance_tokens', len(instance.token_ids)
    yield 'masked_tokens', len(instance.masked_lm_positions)
    yield 'random_next_instances', int(instance.is_random_next)


def build_pipeline(pipeline, job, files, vocab_bytes, vocab) -> None:
    """Wire the stages; see transforms/__init__.py for the order."""
    read = pipeline | 'Read' >> ReadDocuments(files)
    cleaned = read.documents | 'Clean' >> CleanDocuments()
    converted = cleaned.documents | 'Convert' >> ConvertChinese(job.convert)
    sentences = converted | 'SplitSentences' >> SplitSentences()
    words = sentences | 'Segment' >> SegmentWords(job.segmenter, segmenter_settings(job))
    tokenized = words | 'Tokenize' >> TokenizeWordPiece(vocab_bytes, job.do_lower_case)
    instances = tokenized.documents | 'CreateInstances' >> CreateInstances(
        job.max_seq_length, job.short_seq_prob, job.dupe_factor, job.random_seed, job.bucket_size,
        vocab['[CLS]'], vocab['[SEP]'])
    masked = instances | 'Mask' >> MaskInstances(
        job.masked_lm_prob, job.max_predictions_per_seq, job.mask_strategy == 'wwm', job.random_seed,
        vocab['[MASK]'], vocab_lib.replacement_ids(vocab))
    encode = functools.partial(tfrecord.encode_bert_example, max_seq_length=job.max_seq_length,
                               max_predictions_per_seq=job.max_predictions_per_seq)
    shards = masked | 'WriteShards' >> WriteShards(job.output_dir, job.num_shards, job.random_seed,
                                                   'tfrecord', encode, tfrecord.frame_record)

    dropped = ((read.dropped, cleaned.dropped, tokenized.dropped) | 'AllDropped' >> beam.Flatten())
    counts = ((read.documents | 'CountRead' >> CountStats(lambda _: [('documents_read', 1)]),
               read.dropped | 'CountUnreadable' >> CountStats(lambda _: [('documents_read', 1)]),
               dropped | 'CountDropped' >> CountStats(lambda d: [('dropped.' + d.reason, 1)]),
               tokenized.documents | 'CountDocuments' >> CountStats(_document_stats),
               masked | 'CountInstances' >> CountStats(_instance_stats))
              | 'SumCounts' >> SumStats())
    options = {name: getattr(job, name) for name in OPTION_NAMES}
    options['input_files'] = [name for _, name in files]
    vocab_info = {'source': job.vocab_file or 'trained on the input', 'size': len(vocab),
                  'sha256': vocab_lib.vocab_sha256(vocab_bytes)}
    features = bert_features.describe(job.max_seq_length, job.max_predictions_per_seq)
    _ = shards | 'Commit' >> CommitDataset(job.output_dir, options, vocab_info, vocab_bytes, features,
                                           counts, dropped | 'SampleDropped' >> SampleDropped(REJECT_SAMPLES))


def summary(manifest: dict) -> str:
    counts = manifest['counts']
    lines = ['documents read %d, kept %d, dropped %s' % (
        counts.get('documents_read', 0), counts.get('documents_kept', 0),
        json.dumps(manifest['dropped'], ensure_ascii=False) if manifest['dropped'] else 'none')]
    lines.append('sentences %d, tokens %d, instances %d, masked tokens %d' % (
        counts.get('sentences', 0), counts.get('tokens', 0), counts.get('instances', 0),
        counts.get('masked_tokens', 0)))
    lines.append('%d shards, %d records' % (len(manifest['shards']),
                                            sum(s['records'] for s in manifest['shards'])))
    return '\n'.join(lines)


def run(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        unknown = unknown_arguments(argv)
        if unknown:
            raise UsageError('unknown option(s): %s' % ' '.join(unknown))
        pipeline_options = PipelineOptions(argv)
        job = pipeline_options.view_as(PretrainingDataOptions)
        files = validate(job)
        vocab_bytes, vocab = load_or_train_vocab(job, files)
    except UsageError as error:
        print('%s: error: %s' % (PROG, error), file=sys.stderr)
        return 2
    if job.overwrite:
        remove_previous_dataset(job.output_dir)
    with beam.Pipeline(options=pipeline_options) as pipeline:
        build_pipeline(pipeline, job, files, vocab_bytes, vocab)
    with FileSystems.open(FileSystems.join(job.output_dir, MANIFEST_NAME)) as handle:
        manifest = json.loads(handle.read())
    print(summary(manifest))
    print('dataset written to %s' % job.output_dir)
    return 0


def main():
    logging.getLogger().setLevel(logging.WARNING)
    sys.exit(run())


if __name__ == '__main__':
    main()
