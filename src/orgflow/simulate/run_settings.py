"""How a network is run (`RunSettings`): light to import, so that reading a command's options loads no NumPy."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_REPLICATIONS = 20
DEFAULT_SEED = 1


@dataclass(frozen=True)
class RunSettings:
    """How a network is run: `horizon_days` of arrivals measured after `warmup_days` of them."""

    replications: int = DEFAULT_REPLICATIONS
    horizon_days: float = 365.0
    warmup_days: float = 90.0
    seed: int = DEFAULT_SEED
    processes: int = 1
