"""What the wrk-driven benches share: waiting for a server to answer, and wrk's latency percentiles."""

import re
import time
import urllib.request


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback probe
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server did not answer {url}")


def latency(wrk_output: str, percentile: str) -> float:
    """Milliseconds at `percentile` ("50%", "99%") of wrk's --latency distribution."""
    value, unit = re.search(rf"^\s+{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", wrk_output, re.M).groups()
    return round(float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit], 2)
