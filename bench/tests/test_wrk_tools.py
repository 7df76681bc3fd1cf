"""The benches read wrk's latency percentiles in milliseconds, whatever unit wrk printed."""

import pytest

from bench.wrk_tools import latency

WRK_OUTPUT = """
  Latency Distribution
     50%  812.00us
     75%    3.25ms
     90%   12.50ms
     99%    1.20s
"""


@pytest.mark.parametrize(("percentile", "ms"), [("50%", 0.81), ("75%", 3.25), ("99%", 1200.0)])
def test_latency_is_read_in_milliseconds(percentile, ms):
    assert latency(WRK_OUTPUT, percentile) == ms
