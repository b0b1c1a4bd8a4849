"""Stable hashing and seeded randomness.

Python's ``hash(str)`` changes from process to process, so every key, shard choice and random stream
is derived here from BLAKE2b of explicit parts. The same parts give the same numbers on any worker.
"""
import hashlib
import random


def stable_hash64(*parts) -> int:
    """A 64-bit unsigned hash of the parts' text forms, identical across processes and machines."""
    digest = hashlib.blake2b(digest_size=8)
    for part in parts:
        digest.update(str(part).encode('utf-8'))
        digest.update(b'\x1f')
    return int.from_bytes(digest.digest(), 'big')


def seeded_rng(*parts) -> random.Random:
    """A ``random.Random`` whose stream depends only on the parts (seed, document id, copy...)."""
    return random.Random(stable_hash64(*parts))
