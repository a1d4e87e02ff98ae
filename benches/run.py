#!/usr/bin/env python3
"""folio's render benchmark, side by side with Hugo on the same generated corpus.

    python3 benches/run.py [--sizes 1000,10000] [--runs 3] [--hugo PATH] [--work DIR]

For each corpus size it generates the deterministic corpus of shared/bench/gen_corpus.py
(plain format for folio, hugo format for Hugo), then measures, alternating folio and
Hugo run by run (A B A B ...) because the machines are shared and absolute times drift:

  import       folio import of every file into an empty store
  cold         full render, store warm, empty body cache, fresh output folder
  warm         full render, store and body cache warm, fresh output folder
  no-change    folio publish with nothing changed (import scan included)
  first-edit   folio publish after editing one post, the first build into that folder
               after a full one (every file of the stale build checked once)
  one-edit     the same after a second edit (the stale build's record known)
  hugo         hugo full build into a fresh output folder (if --hugo is given)

and prints medians with peak RSS (from /usr/bin/time) and output size, as a Markdown
table for docs/benchmarks.md. Nothing here is a pass/fail test.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "bench"


def run(cmd, cwd=None, env=None):
    """Runs cmd under /usr/bin/time -v; returns (seconds, peak RSS in MB)."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], cwd=cwd, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{proc.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    return elapsed, rss / 1024


def du_mb(path):
    total = sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
    return total / 1e6


def fresh(path):
    """An empty folder that was never deleted just before (ext4 allocates inodes
    slowly right after a large delete, which would measure the file system)."""
    path = Path(f"{path}-{time.monotonic_ns()}")
    return path


def median(values):
    return statistics.median(values) if values else float("nan")


def bench_size(n, args, folio, work):
    corpus = work / f"corpus-{n}"
    if not corpus.exists():
        subprocess.run([sys.executable, SHARED / "gen_corpus.py", "--posts", str(n), "--out", corpus,
                        "--format", "plain"], check=True, stdout=subprocess.DEVNULL)
    hugo_site = work / f"hugo-{n}"
    if args.hugo and not hugo_site.exists():
        shutil.copytree(SHARED / "hugo-site", hugo_site)
        subprocess.run([sys.executable, SHARED / "gen_corpus.py", "--posts", str(n), "--out",
                        hugo_site / "content", "--format", "hugo"], check=True, stdout=subprocess.DEVNULL)

    results = {k: [] for k in ("import", "cold", "warm", "no-change", "first-edit", "one-edit", "hugo")}
    hugo_outs = []
    rss = {k: [] for k in results}
    size = {}
    for i in range(args.runs + 1):  # the first round warms the page cache and is dropped
        site = work / f"site-{n}-{i}"
        shutil.rmtree(site, ignore_errors=True)
        site.mkdir(parents=True)
        content = site / "content"
        shutil.copytree(corpus, content)
        env = dict(os.environ, FOLIO_LOG="warn")
        common = ["--db", site / "data/folio.db", "--theme", ROOT / "themes/default",
                  "--config", site / "folio.toml"]
        steps = []
        steps.append(("import", [folio, *common, "--content", content, "import"]))
        out = fresh(site / "public-cold")
        steps.append(("cold", [folio, *common, "--content", site / "none", "--out", out, "publish"]))
        out_warm = fresh(site / "public-warm")
        steps.append(("warm", [folio, *common, "--content", site / "none", "--out", out_warm, "publish"]))
        live = ["--content", content, "--out", out_warm]
        # The first publish with content/ records the build; the measured one finds nothing to do.
        steps.append(("prime", [folio, *common, *live, "publish"]))
        steps.append(("no-change", [folio, *common, *live, "publish"]))
        for name, cmd in steps:
            secs, peak = run(cmd, cwd=site, env=env)
            if i > 0 and name in results:
                results[name].append(secs)
                rss[name].append(peak)
            if name == "warm":
                size["folio"] = du_mb(out_warm)
            if args.hugo and name == "cold":
                hout = fresh(work / f"hugo-out-{n}")
                secs, peak = run([args.hugo, "--source", hugo_site, "--destination", hout, "--quiet"])
                if i > 0:
                    results["hugo"].append(secs)
                    rss["hugo"].append(peak)
                size["hugo"] = du_mb(hout)
                hugo_outs.append(hout)
        # One post edited: a new sentence in the first post's body. The first edit into
        # a folder builds into a stale build nobody has a record of (every file checked
        # once); the edits after it know what differs (what a writer's day is).
        first = sorted(content.glob("*.md"))[0]
        for name in ("first-edit", "one-edit"):
            first.write_text(first.read_text() + "\nOne more sentence, edited for the benchmark.\n")
            secs, peak = run([folio, *common, *live, "publish"], cwd=site, env=env)
            if i > 0:
                results[name].append(secs)
                rss[name].append(peak)
    # Deleted only now: ext4 allocates inodes slowly right after a large delete, which
    # would measure the file system rather than the generators.
    if not args.keep:
        for hout in hugo_outs:
            shutil.rmtree(hout, ignore_errors=True)
        for i in range(args.runs + 1):
            shutil.rmtree(work / f"site-{n}-{i}", ignore_errors=True)
    return results, rss, size


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated post counts (e.g. 1000,10000,100000)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--hugo", help="path to a hugo binary to measure side by side")
    parser.add_argument("--work", default="/tmp/folio-bench")
    parser.add_argument("--folio", help="folio binary [default: build target/release/folio]")
    parser.add_argument("--keep", action="store_true", help="keep the sites for inspection")
    args = parser.parse_args()

    folio = Path(args.folio).resolve() if args.folio else None
    if not folio:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        folio = ROOT / "target/release/folio"
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)

    print(f"| posts | step | folio median s | folio peak RSS MB | Hugo median s | Hugo peak RSS MB | Hugo / folio |")
    print("|---|---|---|---|---|---|---|")
    for n in [int(s) for s in args.sizes.split(",")]:
        results, rss, size = bench_size(n, args, folio, work)
        hugo_t = median(results["hugo"])
        for step in ("import", "cold", "warm", "no-change", "first-edit", "one-edit"):
            t = median(results[step])
            line = f"| {n} | {step} | {t:.3f} | {median(rss[step]):.0f} |"
            if step in ("cold", "warm") and results["hugo"]:
                line += f" {hugo_t:.2f} | {median(rss['hugo']):.0f} | {hugo_t / t:.1f}x |"
            else:
                line += " | | |"
            print(line, flush=True)
        sizes = ", ".join(f"{k} {v:.0f} MB" for k, v in size.items())
        print(f"| {n} | output size | {sizes} | | | | |", flush=True)


if __name__ == "__main__":
    main()
