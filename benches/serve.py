#!/usr/bin/env python3
"""folio's serving benchmark, side by side with nginx on the same folder.

    python3 benches/serve.py [--folio target/release/folio] [--before OLD_BINARY]
                             [--posts 1000] [--seconds 10] [--work DIR]

Publishes the generated corpus of shared/bench/gen_corpus.py, then serves the same
build with `folio serve` (and, with --before, an older folio binary) and with Debian's
nginx (one worker, `sendfile`, `open_file_cache`, `gzip_static` on `.gz` copies made
with `gzip -9`, the way nginx serves precompressed files; nginx reads a copy of the
build, so folio's folder is not touched). Each server is pinned to core 0 and wrk
(one thread, 64 connections) to core 1, and every server is asked for the same post
page three ways:

  none     no Accept-Encoding (what wrk sends by default)
  gzip     Accept-Encoding: gzip
  browser  Accept-Encoding: gzip, deflate, br (what browsers send)

in alternated rounds, and prints the median requests/s and p50/p99 latency of each as
a Markdown table for
docs/benchmarks.md. Nothing here is a pass/fail test.
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "bench"

ASKS = [("none", None), ("gzip", "gzip"), ("browser", "gzip, deflate, br")]

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    open_file_cache max=10000 inactive=60s;
    open_file_cache_valid 60s;
    gzip_static on;
    gzip_vary on;
    client_body_temp_path {work}/nginx-tmp;
    proxy_temp_path {work}/nginx-tmp;
    fastcgi_temp_path {work}/nginx-tmp;
    uwsgi_temp_path {work}/nginx-tmp;
    scgi_temp_path {work}/nginx-tmp;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        etag on;
    }}
}}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, proc):
    for _ in range(600):
        if proc.poll() is not None:
            sys.exit(f"the server on {port} exited: {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on {port}")


def wrk(url, accept, seconds):
    headers = ["-H", f"Accept-Encoding: {accept}"] if accept else []
    out = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", "-c64", f"-d{seconds}s", "--latency",
                          *headers, url], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    return rps, pct(50), pct(99)


def size_of(url, accept):
    cmd = ["curl", "-s", "-o", "/dev/null", "-w", "%{size_download} %{content_type}", url]
    if accept:
        cmd += ["-H", f"Accept-Encoding: {accept}"]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folio", default=str(ROOT / "target/release/folio"))
    ap.add_argument("--before", help="an older folio binary to measure beside")
    ap.add_argument("--posts", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--work", default="/tmp/folio-serve-bench")
    args = ap.parse_args()
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    (work / "nginx-tmp").mkdir(parents=True)
    content = work / "content"
    subprocess.run([sys.executable, SHARED / "gen_corpus.py", "--posts", str(args.posts), "--out",
                    content, "--format", "plain"], check=True, stdout=subprocess.DEVNULL)
    env = dict(os.environ, FOLIO_LOG="warn")
    common = ["--db", work / "folio.db", "--theme", ROOT / "themes/default",
              "--config", work / "folio.toml", "--content", content, "--out", work / "public"]
    subprocess.run([args.folio, *common, "publish"], check=True, env=env, stdout=subprocess.DEVNULL)
    page = "/" + sorted(p.name for p in (work / "public").iterdir() if (p / "index.html").exists()
                        and p.name not in ("tag", "author", "page"))[0] + "/"
    # nginx gets its own copy with .gz files beside the text files.
    copy = work / "nginx-root"
    shutil.copytree((work / "public").resolve(), copy)
    for f in copy.rglob("*"):
        if f.suffix in (".html", ".css", ".js", ".xml", ".json", ".svg", ".txt"):
            subprocess.run(["gzip", "-9", "-k", "-f", f], check=True)
    servers = []
    for name, binary in (("folio", args.folio), ("folio before", args.before)):
        if binary:
            servers.append((name, lambda port, b=binary: [
                "taskset", "-c", "0", b, *common, "serve", "--listen", f"127.0.0.1:{port}"]))
    servers.append(("nginx", lambda port: [
        "taskset", "-c", "0", "nginx", "-c", work / f"nginx-{port}.conf", "-e", work / "nginx-error.log"]))
    # Every server runs at once (an idle one takes no CPU) and the runs alternate
    # A B C, A B C...: the machine drifts, and the medians of alternated runs compare.
    procs, urls = [], {}
    try:
        for name, command in servers:
            port = free_port()
            (work / f"nginx-{port}.conf").write_text(NGINX_CONF.format(work=work, port=port, root=copy))
            procs.append(subprocess.Popen(command(port), env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
            wait_for(port, procs[-1])
            urls[name] = f"http://127.0.0.1:{port}{page}"
            for _, accept in ASKS:
                wrk(urls[name], accept, 2)  # warm-up: the first requests read and compress
        runs = {}
        for _ in range(args.rounds):
            for name, _ in servers:
                for ask, accept in ASKS:
                    runs.setdefault((name, ask), []).append(wrk(urls[name], accept, args.seconds))
        rows = []
        for (name, ask), results in runs.items():
            rps, p50, p99 = (statistics.median(r[i] for r in results) for i in range(3))
            rows.append((name, ask, rps, p50, p99, size_of(urls[name], dict(ASKS)[ask])))
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()
    print(f"page {page}, {args.posts} posts, medians of {args.rounds} runs of {args.seconds} s, "
          "wrk -t1 -c64\n")
    print("| server | Accept-Encoding | requests/s | p50 ms | p99 ms | bytes, type | vs nginx |")
    print("|---|---|---|---|---|---|---|")
    nginx = {ask: rps for name, ask, rps, *_ in rows if name == "nginx"}
    for name, ask, rps, p50, p99, size in rows:
        print(f"| {name} | {ask} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {size} | {rps / nginx[ask]:.2f}x |")


if __name__ == "__main__":
    main()
