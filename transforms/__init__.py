"""The pipeline's stages, one PTransform a module, in data-flow order:

read_documents -> clean_documents -> convert_chinese -> filter_documents -> deduplicate_documents ->
split_sentences -> segment_words -> tokenize_wordpiece -> create_instances -> mask_instances ->
write_shards -> commit_dataset,
with accounting (count_stats) alongside.
"""
