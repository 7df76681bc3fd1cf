"""The soak's figures: per endpoint (requests, p50, p99, 5xx, unanswered), over time, the plot, and
what the checks of `soak_data.verify` found wrong."""

from __future__ import annotations

from collections import defaultdict

BIN_SECONDS = 5


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def in_any(moment: float, windows: list[tuple[float, float]]) -> bool:
    return any(start <= moment <= end for start, end in windows)


def summarize(rows: list[tuple[float, str, float, int]], started: float, pauses: list[tuple[float, float]]) -> dict:
    """`rows` as recorded (absolute times); `pauses` the PgBouncer pauses, relative to `started`.

    A request "during the pause" is one whose span overlaps a pause, widened by a second on each
    side (PAUSE first waits for running transactions).
    """
    widened = [(start - 1, end + 1) for start, end in pauses]
    by_endpoint: dict[str, list] = defaultdict(list)
    for row in rows:
        by_endpoint[row[1]].append(row)
    duration = max((row[0] for row in rows), default=started) - started or 1
    endpoints = {}
    for name, requests in sorted(by_endpoint.items(), key=lambda item: -len(item[1])):
        answered = [ms for _, _, ms, status in requests if status]
        unanswered = [(at - started, ms) for at, _, ms, status in requests if not status]
        endpoints[name] = {
            "requests": len(requests),
            "per_second": round(len(requests) / duration, 2),
            "p50_ms": round(percentile(answered, 0.50), 1),
            "p99_ms": round(percentile(answered, 0.99), 1),
            "server_errors": sum(1 for *_, status in requests if status >= 500),
            "client_errors": sum(1 for *_, status in requests if 400 <= status < 500),
            "unanswered": len(unanswered),
            "unanswered_outside_pause": sum(
                1 for at, ms in unanswered if not in_any(at, widened) and not in_any(at + ms / 1000, widened)
            ),
        }
    total = len(rows)
    return {
        "requests": total,
        "seconds": round(duration, 1),
        "per_second": round(total / duration, 2),
        "server_error_rate": round(sum(e["server_errors"] for e in endpoints.values()) / max(total, 1), 5),
        "unanswered": sum(e["unanswered"] for e in endpoints.values()),
        "unanswered_outside_pause": sum(e["unanswered_outside_pause"] for e in endpoints.values()),
        "endpoints": endpoints,
        "timeline": timeline(rows, started),
    }


def timeline(rows, started: float) -> list[dict]:
    bins: dict[int, list] = defaultdict(list)
    for at, _, ms, status in rows:
        bins[int((at - started) // BIN_SECONDS)].append((ms, status))
    return [
        {
            "t": index * BIN_SECONDS,
            "per_second": round(len(values) / BIN_SECONDS, 2),
            "p50_ms": round(percentile([ms for ms, status in values if status], 0.5), 1),
            "p99_ms": round(percentile([ms for ms, status in values if status], 0.99), 1),
            "errors": sum(1 for _, status in values if status == 0 or status >= 500),
        }
        for index, values in sorted(bins.items())
        if index >= 0
    ]


def print_table(summary: dict) -> None:
    header = ("requests", "req/s", "p50 ms", "p99 ms", "5xx", "4xx", "lost")
    print(f"\n{'endpoint':<18} " + " ".join(f"{title:>8}" for title in header))
    for name, row in summary["endpoints"].items():
        print(
            f"{name:<18} {row['requests']:>8} {row['per_second']:>8} {row['p50_ms']:>8} {row['p99_ms']:>8}"
            f" {row['server_errors']:>8} {row['client_errors']:>8} {row['unanswered']:>8}"
        )
    print(
        f"all: {summary['requests']} requests in {summary['seconds']} s ({summary['per_second']} req/s), "
        f"5xx rate {summary['server_error_rate']:.3%}, unanswered {summary['unanswered']} "
        f"({summary['unanswered_outside_pause']} outside the PgBouncer pause)"
    )


def plot(summary: dict, faults: list[dict], path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = summary["timeline"]
    minutes = [point["t"] / 60 for point in points]
    figure, (rate, latency) = plt.subplots(2, 1, figsize=(10, 6), sharex=True, dpi=90)
    rate.plot(minutes, [p["per_second"] for p in points], color="tab:blue", label="requests/s")
    rate.bar(
        minutes,
        [p["errors"] / BIN_SECONDS for p in points],
        width=BIN_SECONDS / 60,
        color="tab:red",
        label="5xx or unanswered /s",
        align="edge",
    )
    rate.set_ylabel("per second")
    latency.plot(minutes, [p["p50_ms"] for p in points], color="tab:green", label="p50")
    latency.plot(minutes, [p["p99_ms"] for p in points], color="tab:orange", label="p99")
    latency.set_yscale("log")
    latency.set_ylabel("latency, ms (log)")
    latency.set_xlabel(f"minutes ({BIN_SECONDS} s bins)")
    colours = {"worker SIGKILL": "tab:red", "web restart": "tab:purple", "PgBouncer pause": "tab:gray"}
    labelled = set()
    for fault in faults:
        colour = colours[fault["kind"]]
        label = None if fault["kind"] in labelled else fault["kind"]
        labelled.add(fault["kind"])
        for axis in (rate, latency):
            if fault["end"] - fault["start"] > 2:
                axis.axvspan(fault["start"] / 60, fault["end"] / 60, color=colour, alpha=0.2, label=label)
            else:
                axis.axvline(fault["start"] / 60, color=colour, linestyle="--", linewidth=1, label=label)
            label = None
    rate.legend(loc="upper left", fontsize=8, ncol=3)
    latency.legend(loc="upper left", fontsize=8, ncol=5)
    rate.set_title("Soak: 2 gunicorn + 2 outbox workers behind PgBouncer (transaction pooling)")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def failures(found: dict) -> list[str]:
    """What `verify` found wrong; empty when every effect happened exactly once."""
    problems = []
    unfinished = {status: n for status, n in found["outbox"]["by_status"].items() if status != "COMPLETED"}
    if unfinished:
        problems.append(f"outbox events not COMPLETED: {unfinished}")
    analytics, mail, billing = found["analytics"], found["mail"], found["billing"]
    if analytics["missing_rows"] or analytics["duplicate_rows"]:
        problems.append(f"analytics rows: {analytics['missing_rows']} missing, {analytics['duplicate_rows']} twice")
    if mail["sent_twice"]:
        problems.append(f"{mail['sent_twice']} mails sent twice")
    if mail["sent"] != mail["markers"] + mail["sent_twice"]:
        problems.append(f"{mail['sent']} mails sent for {mail['markers']} mail markers")
    if billing["users_paying_twice"]:
        problems.append(f"{billing['users_paying_twice']} users paid twice")
    if billing["payments"] != billing["paid_checkouts"]:
        problems.append(f"{billing['payments']} payments for {billing['paid_checkouts']} paid checkouts")
    return problems
