#!/usr/bin/env python3
"""Two folio binaries side by side on one corpus, alternating round by round.

    python3 benches/ab.py OLD NEW [--corpus DIR] [--rounds 3] [--work /tmp/folio-ab]

Each round, for each binary (the order swapped every round), publishes the corpus
from nothing (a new store, no cache, a new folder: what a CI job does, one process),
imports it into a fresh store, then times: a cold full render (empty body cache, fresh folder), a warm
full render, no-change (after a prime publish), the first edit into that folder, and
two more edits (one-edit). Prints medians and peak RSS as a Markdown table. For a
change that must leave the figures as they were: build the old commit's release
binary, then run this against the new one. Nothing here is a pass/fail test.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = ["from-nothing", "import", "cold", "warm", "no-change", "first-edit", "one-edit"]


def run(cmd, cwd):
    """Seconds, peak RSS (MB) and CPU seconds (user + system) of one command."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", *map(str, cmd)], cwd=cwd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env=dict(os.environ, FOLIO_LOG="warn"))
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed:\n{proc.stderr}")
    rss, user, system = proc.stderr.strip().splitlines()[-1].split()
    return time.perf_counter() - start, int(rss) // 1024, float(user) + float(system)


def round_of(binary, corpus, site):
    site.mkdir(parents=True)
    content = site / "content"
    shutil.copytree(corpus, content)
    common = ["--db", site / "data/folio.db", "--theme", ROOT / "themes/default",
              "--config", site / "folio.toml"]
    live = [*common, "--content", content, "--out", site / "warm", "publish"]
    nothing = ["--db", site / "nothing/folio.db", "--theme", ROOT / "themes/default",
               "--config", site / "folio.toml", "--content", content,
               "--out", site / "nothing/public", "publish"]
    steps = [("from-nothing", nothing),
             ("import", [*common, "--content", content, "import"]),
             ("cold", [*common, "--content", site / "none", "--out", site / "cold", "publish"]),
             ("warm", [*common, "--content", site / "none", "--out", site / "warm", "publish"]),
             ("prime", live), ("no-change", live)]
    times = {}
    for name, args in steps:
        times.setdefault(name, []).append(run([binary, *args], site))
    first = sorted(content.glob("*.md"))[0]
    for name in ("first-edit", "one-edit", "one-edit"):
        first.write_text(first.read_text() + "\nOne more sentence.\n")
        times.setdefault(name, []).append(run([binary, *live], site))
    shutil.rmtree(content)
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--corpus", default="/tmp/folio-bench/corpus-10000",
                        help="a corpus of ../shared/bench/gen_corpus.py --format plain")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", default="/tmp/folio-ab")
    args = parser.parse_args()
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    binaries = {"old": args.old, "new": args.new}
    results = {name: {} for name in binaries}
    for r in range(args.rounds):
        order = list(binaries) if r % 2 == 0 else list(reversed(binaries))
        for name in order:
            times = round_of(binaries[name], Path(args.corpus), work / f"{name}-{r}")
            for step, runs in times.items():
                results[name].setdefault(step, []).extend(runs)
    # The machine's speed drifts by a third between runs: CPU time says more than wall
    # time of what a change costs.
    print("| step | old | old CPU | old peak RSS | new | new CPU | new peak RSS | new / old (wall, CPU) |")
    print("|---|---|---|---|---|---|---|---|")
    for step in STEPS:
        old, new = results["old"][step], results["new"][step]
        mo, mn = (statistics.median(r[0] for r in runs) for runs in (old, new))
        co, cn = (statistics.median(r[2] for r in runs) for runs in (old, new))
        print(f"| {step} | {mo:.3f} s | {co:.2f} s | {max(r[1] for r in old)} MB | {mn:.3f} s | "
              f"{cn:.2f} s | {max(r[1] for r in new)} MB | {mn / mo:.2f}, {cn / co:.2f} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
