"""Core algorithms of the pipeline, free of Beam: each function works on one document or instance.

The Beam stages in ``transforms/`` call these; tests and benchmarks call them directly.
"""
