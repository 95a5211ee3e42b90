"""The encoder benchmark's tables and target checks (markdown, pasted into the README)."""

from __future__ import annotations

from typing import Any


def _find(results: list[Any], server: str, mode: str, clip_s: int, clients: int) -> Any:
    for cell in results:
        if (cell.server, cell.mode, cell.clip_s, cell.clients) == (server, mode, clip_s, clients):
            return cell
    return None


def print_report(results: list[Any], bound: dict, rss: dict[str, float], n_partials: int,
                 elapsed_s: float, adjacent: dict[str, float] | None = None) -> None:
    print("\n| mode | clip | clients | baseline audio-s/s | fp32 audio-s/s | speed-up "
          "| baseline p50 / p99 ms | fp32 p50 / p99 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for cell in results:
        if cell.server != "fp32":
            continue
        base = _find(results, "baseline", cell.mode, cell.clip_s, cell.clients)
        speedup = f"{cell.throughput / base.throughput:.2f}x" if base else "-"
        base_lat = f"{base.p50_ms:.0f} / {base.p99_ms:.0f}" if base else "-"
        base_tp = f"{base.throughput:.1f}" if base else "-"
        print(f"| {cell.mode} | {cell.clip_s} s | {cell.clients} | {base_tp} | "
              f"{cell.throughput:.1f} | {speedup} | {base_lat} | "
              f"{cell.p50_ms:.0f} / {cell.p99_ms:.0f} |")
    bf16_cells = [c for c in results if c.server == "bf16"]
    if bf16_cells:
        print("\n| bf16 cell | audio-s/s | vs baseline | p50 / p99 ms |")
        print("|---|---|---|---|")
        for cell in bf16_cells:
            base = _find(results, "baseline", cell.mode, cell.clip_s, cell.clients)
            speedup = f"{cell.throughput / base.throughput:.2f}x" if base else "-"
            print(f"| {cell.mode} {cell.clip_s} s x{cell.clients} | {cell.throughput:.1f} | "
                  f"{speedup} | "
                  f"{cell.p50_ms:.0f} / {cell.p99_ms:.0f} |")

    start_bound = max(v["audio_s_per_s"] for k, v in bound.items() if k.startswith("fp32"))
    print(f"\nmodel-only bound, 10 s clip ({n_partials} partials), LSTM alone, at the start:")
    for key, value in bound.items():
        print(f"  {key}: {value['ms_per_clip']:.1f} ms per clip = "
              f"{value['audio_s_per_s']:.1f} audio-s/s")
    fp32_bound, bound_note = start_bound, "the bound at the start"
    if adjacent and {"before", "after"} <= set(adjacent):
        fp32_bound = (adjacent["before"] + adjacent["after"]) / 2
        bound_note = (f"mean of {adjacent['before']:.1f} before and {adjacent['after']:.1f} "
                      f"after the cell")
        print(f"  fp32_workers right before / after fp32 json 10 s x16: "
              f"{adjacent['before']:.1f} / {adjacent['after']:.1f} audio-s/s")
    largest = [c for c in results if c.server == "fp32" and c.clients == 16
               and c.clip_s == max(x.clip_s for x in results if x.server == "fp32")]
    rss_cells = "incl. " + ", ".join(f"{c.mode} {c.clip_s} s x16" for c in largest) \
        if largest else "cells above"
    base16 = _find(results, "baseline", "json", 10, 16)
    ours16 = _find(results, "fp32", "json", 10, 16)
    base1 = _find(results, "baseline", "json", 10, 1)
    ours1 = _find(results, "fp32", "json", 10, 1)
    bf16 = _find(results, "bf16", "json", 10, 16)
    # Each target needs its cells; a run with BENCH_ENCODER_CELLS may not have them.
    checks = []
    if ours16 and base16:
        checks.append(("fp32 >= 2.5x baseline (10 s JSON, 16 clients)",
                       f"{ours16.throughput / base16.throughput:.2f}x",
                       ours16.throughput >= 2.5 * base16.throughput))
    if ours16:
        checks.append((
            "fp32 >= 80% of the model-only bound (10 s JSON, 16 clients)",
            f"{100 * ours16.throughput / fp32_bound:.0f}% ({ours16.throughput:.1f} of "
            f"{fp32_bound:.1f}, {bound_note}; {100 * ours16.throughput / start_bound:.0f}% "
            f"of the bound at the start)", ours16.throughput >= 0.8 * fp32_bound))
    if ours1 and base1:
        checks.append(("single-client p50 <= baseline (10 s JSON)",
                       f"{ours1.p50_ms:.0f} vs {base1.p50_ms:.0f} ms",
                       ours1.p50_ms <= base1.p50_ms))
    checks.append((f"peak RSS <= 350 MB (fp32 server, {rss_cells})",
                   f"{rss.get('fp32', float('nan')):.0f} MB", rss.get("fp32", 1e9) <= 350))
    if bf16 and base16:
        checks.append(("bf16 >= 3.5x baseline (10 s JSON, 16 clients)",
                       f"{bf16.throughput / base16.throughput:.2f}x",
                       bf16.throughput >= 3.5 * base16.throughput))
    print("\n| target | measured | met |")
    print("|---|---|---|")
    for name, value, ok in checks:
        print(f"| {name} | {value} | {'yes' if ok else 'NO'} |")
    print("\npeak RSS: " + ", ".join(f"{k} {v:.0f} MB" for k, v in rss.items()))
    print(f"bench wall time: {elapsed_s:.0f} s")
