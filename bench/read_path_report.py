"""The read-path bench's report: medians over reps, ratios, the search aims and the printed table."""

import statistics

IMPLEMENTATIONS = ("ours", "floor", "naive", "baseline")


def summarize(path: dict, runs: dict, queries: dict) -> dict:
    """Medians over reps; ours/floor is the median of each rep's ratio (adjacent in time)."""
    row: dict = {"path": path["name"], "url": path["ours"], "naive_url": path["naive"]}
    for impl in IMPLEMENTATIONS:
        measured = runs[path["name"], impl]
        if not measured:
            row[impl] = None
            continue
        row[impl] = {key: statistics.median(run[key] for run in measured) for key in measured[0]}
        row[impl]["reps"] = len(measured)
        row[impl]["queries"] = queries[impl]
    row["ratio_floor"] = paired_ratio(runs[path["name"], "ours"], runs[path["name"], "floor"])
    row["ratio_baseline"] = paired_ratio(runs[path["name"], "ours"], runs[path["name"], "baseline"])
    # The baseline's own ours/floor in the same run: the "before" column beside ours.
    row["ratio_baseline_floor"] = paired_ratio(runs[path["name"], "baseline"], runs[path["name"], "floor"])
    row["ratio_naive"] = round(row["ours"]["rps"] / row["naive"]["rps"], 2) if row["naive"] else None
    return row


def paired_ratio(ours: list[dict], other: list[dict]) -> float | None:
    """Median over reps of ours/other req/s, each pair measured seconds apart."""
    if not other:
        return None
    return round(statistics.median(mine["rps"] / theirs["rps"] for mine, theirs in zip(ours, other, strict=True)), 2)


def search_aims(rows: list[dict]) -> dict:
    """Search p99 within 3x feed page 1's p99; page 50 of a search within 1.2x its page 1 (when all were run)."""
    p99 = {row["path"]: row["ours"]["p99_ms"] for row in rows}
    searches = {path: value for path, value in p99.items() if path.startswith("search: ")}
    deep, common = "search: common word, page 50 (cursor)", "search: common word"
    if "feed page 1" not in p99 or deep not in searches or common not in searches:
        return {}
    return {
        "search_p99_over_feed_p99": {path: round(value / p99["feed page 1"], 2) for path, value in searches.items()},
        "search_page_50_over_page_1_p99": round(searches[deep] / searches[common], 2),
    }


def print_table(rows: list[dict]) -> None:
    header = (
        f"{'path':<40} {'impl':<8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'app cpu':>8} {'db cpu':>7}"
        f" {'queries':>7} {'ours/floor':>10} {'ours/naive':>10} {'ours/base':>9} {'base/floor':>10}"
    )
    print("\n" + header + "\n" + "-" * len(header) + "\n(cpu: ms per request)")
    for row in rows:
        for impl in IMPLEMENTATIONS:
            m = row[impl]
            if m is None:
                continue
            ratios = ["", "", "", ""]
            if impl == "ours":
                keys = ("ratio_floor", "ratio_naive", "ratio_baseline", "ratio_baseline_floor")
                ratios = [f"{row[key]:.2f}x" if row.get(key) else "" for key in keys]
            print(
                f"{row['path'] if impl == 'ours' else '':<40} {impl:<8} {m['rps']:>7.0f} {m['p50_ms']:>7.2f}"
                f" {m['p99_ms']:>7.2f} {m['app_cpu_ms']:>8.2f} {m['db_cpu_ms']:>7.2f} {m['queries']:>7}"
                f" {ratios[0]:>10} {ratios[1]:>10} {ratios[2]:>9} {ratios[3]:>10}"
            )
