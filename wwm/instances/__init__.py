"""Instances: sentence pairs, packing, masking and the word boundaries of dynamic masking."""
