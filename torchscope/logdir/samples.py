"""Non-scalar series (images, audio, histograms, text and other tensors), optionally capped.

Each kept sample is ``(step, wall_time, payload)`` where the payload is opaque bytes whose
layout depends on the series kind (see :mod:`torchscope.logdir.payloads`). A cap bounds the
memory of a long run that logs an image every step:

* ``"reservoir"`` keeps a uniform random subset of ``cap`` samples, always including the most
  recent one (TensorBoard's rule). The random choices come from a hash of the sample's index, so
  the same file always yields the same subset, across restarts too.
* ``"keep_last"`` keeps the ``cap`` most recent samples.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

CapPolicy = Literal["reservoir", "keep_last"]
CAP_POLICIES: tuple[CapPolicy, ...] = ("reservoir", "keep_last")


@dataclasses.dataclass(frozen=True)
class Sample:
    step: int
    wall_time: float
    payload: bytes


def _mix(index: int) -> int:
    """splitmix64 finalizer: a well-spread 64-bit number from a sample's index."""
    z = (index + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return z ^ (z >> 31)


class SampleSeries:
    """The kept samples of one (run, tag), oldest first."""

    __slots__ = ("cap", "policy", "samples", "seen")

    def __init__(
        self, cap: int | None = None, policy: CapPolicy = "reservoir", seen: int = 0
    ) -> None:
        if cap is not None and cap < 1:
            raise ValueError(f"cap must be a positive number of samples or None, got {cap!r}")
        if policy not in CAP_POLICIES:
            raise ValueError(f"policy must be one of {CAP_POLICIES}, got {policy!r}")
        self.cap = cap
        self.policy: CapPolicy = policy
        self.samples: list[Sample] = []
        #: How many samples were offered, kept or not (drives the reservoir's odds).
        self.seen = seen

    def __len__(self) -> int:
        return len(self.samples)

    def add(self, step: int, wall_time: float, payload: bytes) -> None:
        """Offer one sample; with a cap, an older one may be dropped (or this one not kept)."""
        sample = Sample(step, wall_time, payload)
        self.seen += 1
        if self.cap is None or len(self.samples) < self.cap:
            self.samples.append(sample)
            return
        if self.policy == "keep_last":
            del self.samples[0]
            self.samples.append(sample)
            return
        slot = _mix(self.seen) % self.seen
        if slot < self.cap:
            # Replace a random kept sample; keep the order of the rest.
            del self.samples[slot]
            self.samples.append(sample)
        else:
            # Not chosen, but the newest sample is always shown: it replaces the last one.
            self.samples[-1] = sample

    def drop_from_step(self, step: int) -> int:
        """Remove every sample whose step is >= ``step``; returns how many were removed."""
        kept = [sample for sample in self.samples if sample.step < step]
        removed = len(self.samples) - len(kept)
        if removed:
            self.samples = kept
            self.seen = max(len(kept), self.seen - removed)
        return removed

    def snapshot(self) -> list[Sample]:
        """A copy of the kept samples (safe to use after the lock is released)."""
        return list(self.samples)

    @property
    def nbytes(self) -> int:
        return sum(len(sample.payload) for sample in self.samples)
