"""Random streams keyed by names: one seed, identical results; independent replications; common numbers.

Every stream is a child of ``SeedSequence(seed)`` (what `SeedSequence.spawn` would hand out), keyed
by the replication number and the CRC-32 of names such as (team, flow type, stage). Keys by name
rather than by position mean that a scenario which adds, removes or reorders teams, stages or flow
types leaves the numbers of everything else unchanged: item k of team T draws the same uniforms at
stage S in the baseline and in every scenario (common random numbers). Replications differ only
in the replication number, so their streams are independent.
"""

from __future__ import annotations

import zlib

import numpy as np


def name_key(name: str) -> int:
    """A stable 32-bit key for a name (CRC-32 of its UTF-8 bytes)."""
    return zlib.crc32(name.encode("utf-8"))


def stream(seed: int, replication: int, *names: str) -> np.random.Generator:
    """The generator of replication `replication` for the names `names` under `seed`."""
    key = (replication, *(name_key(name) for name in names))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))
