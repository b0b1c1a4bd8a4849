"""Core algorithms of the pipeline, free of Beam: each function works on one document or instance.

The Beam stages in ``transforms/`` call these; tests and benchmarks call them directly. By topic,
in the order a document meets them:

- ``readers``: input files in every format and encoding, cut into bounded documents; ``--sources``;
  up-sampling by source weight.
- ``text``: cleaning (markup, HTML, URLs), the quality filters and boilerplate, sentences.
- ``dedup``: exact and near-duplicate detection (MinHash LSH).
- ``segmenters``: jieba, LTP and the protected words of a user dictionary; segmentation scoring.
- ``tokens``: WordPiece vocabularies and tokenization aligned to words.
- ``instances``: sentence pairs (NSP, SOP) or packing, masking, word boundaries.
- ``records``: instances as bytes, the global shuffle into balanced shards, the output formats.
- ``report``: statistics of a written dataset and its HTML page.
- ``training``: what a trainer imports (datasets, collator); it loads without Beam.
- ``native``: the C kernels and the one module that chooses between them and Python.
- ``hashing`` (seeded hashes and random generators, used throughout) and ``filesystems``, the one
  module that may import Beam (for gs:// and other remote paths); tests/wwm/test_beam_free.py
  fails if any other does.
"""
