"""Handlers the benchmark's workers load with `process_events --handlers-module bench.outbox_handlers`."""

import os
import time

from core.outbox import handles

_latency_dir = os.environ.get("BENCH_LATENCY_DIR")
_latency_file = open(os.path.join(_latency_dir, f"{os.getpid()}.txt"), "a", buffering=1) if _latency_dir else None  # noqa: SIM115


@handles("bench.noop")
def noop(event) -> None:
    """Throughput runs measure the outbox, not the handler."""


@handles("bench.latency")
def record_latency(event) -> None:
    """Writes "<n> <seconds since the producer's emit (payload t)> <dispatch wall clock>"."""
    if _latency_file is not None:
        now = time.time()
        _latency_file.write(f"{event.payload['n']} {now - event.payload['t']:.6f} {now:.6f}\n")
