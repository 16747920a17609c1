"""SIGKILL a real `twenty-migrate apply` at a chosen request of a chosen phase.

An observer on the target (`FaultMiddleware.observers`) sees each request before it runs and
tells its phase (phases.py). Armed with (phase, k), it fires at the k-th request of that phase in
the current run, or at the first request of a later phase if the run got past it first. Half the
kills land at the request itself (the process dies while the server carries out its write, so
the answer is lost), half a random 0-30 ms later (between two requests, or inside the journal
writes after one).
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass
from subprocess import Popen

from tests.apply.kill_helpers import Migration, start_apply
from tests.reliability.phases import PHASES, phase_of


@dataclass(frozen=True, slots=True)
class Armed:
    phase: str
    k: int
    at_request: bool
    delay: float


class PhaseKiller:
    """Install with `target.fault_layer.observers.append(killer)`; then `run_until_killed`."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.process: Popen[bytes] | None = None
        self.armed: Armed | None = None
        self.counts: Counter[str] = Counter()
        self.current: str | None = None
        self.fired = threading.Event()
        self.hit: str | None = None
        self.last_request = ""
        self.hit_request = ""

    def __call__(self, method: str, path: str, body: bytes) -> None:
        phase = phase_of(method, path, body)
        if phase is None:
            return
        with self.lock:
            if self.process is None:
                return
            self.current = phase
            self.last_request = f"{method} {path}"
            self.counts[phase] += 1
            armed = self.armed
            if armed is None:
                return
            if not (PHASES.index(phase) > PHASES.index(armed.phase) or (phase == armed.phase and self.counts[phase] >= armed.k)):
                return
            self.armed = None
            if armed.at_request:
                self.hit, self.hit_request = phase, self.last_request
                os.kill(self.process.pid, signal.SIGKILL)
            self.fired.set()

    def run_until_killed(self, migration: Migration, armed: Armed, timeout: float = 120) -> str | None:
        """Start `apply`, kill it as armed; the phase the kill hit, or None if it finished first."""
        process = start_apply(migration)
        with self.lock:
            self.process, self.armed, self.hit, self.current = process, armed, None, None
            self.counts.clear()
            self.fired.clear()
        try:
            deadline = time.monotonic() + timeout
            while not self.fired.wait(0.002) and process.poll() is None:
                assert time.monotonic() < deadline, f"apply did not reach {armed} within {timeout} s"
            fired = self.fired.is_set()
            if fired and not armed.at_request:
                time.sleep(armed.delay)
                with self.lock:
                    self.hit, self.hit_request = self.current, self.last_request
            if fired and process.poll() is None:
                process.send_signal(signal.SIGKILL)
            _, stderr = process.communicate(timeout=30)
        finally:
            with self.lock:
                self.process, self.armed = None, None
            if process.poll() is None:
                process.kill()
                process.communicate()
        if not fired:  # it ran to the end before the armed point
            assert process.returncode == 0, f"apply ended by itself with exit code {process.returncode}: {stderr.decode(errors='replace')}"
            return None
        assert process.returncode in (0, -signal.SIGKILL), stderr.decode(errors="replace")
        return self.hit if process.returncode == -signal.SIGKILL else None


def schedule(kills: int) -> list[list[str]]:
    """The phases to kill in, migration by migration. Up to one kill per phase: one migration
    killed once in each phase, in order (resuming across phases). More: one migration per phase,
    killed ceil(kills / 6) times in that phase alone (so that a failure names its phase), and the
    mixed migration as well."""
    mixed = list(PHASES[: max(1, kills)]) if kills < len(PHASES) else list(PHASES)
    if kills <= len(PHASES):
        return [mixed]
    each = -(-kills // len(PHASES))
    return [[phase] * each for phase in PHASES] + [mixed]


def arm(phase: str, clean_requests: int, kills_in_phase: int, rng: random.Random) -> Armed:
    """A random point in a phase: the k-th of its requests in this run, with k drawn so that the
    phase's kills together stay inside what a clean run sends in it."""
    k = 1 + rng.randrange(max(1, clean_requests // (kills_in_phase + 1)))
    return Armed(phase, k, rng.random() < 0.5, rng.uniform(0, 0.03))
