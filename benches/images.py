#!/usr/bin/env python3
"""folio's image and search benchmark: the generated corpus with one real image per post.

    python3 benches/images.py --folio target/release/folio [--posts 10000] [--work DIR]

Takes the deterministic corpus of shared/bench/gen_corpus.py (plain format), points
each post's figure at a JPEG of its own (1200x800, photo-like: gradients, shapes and
grain, each different, so none is encoded as another's copy) made with Pillow, and
measures, under /usr/bin/time:

  cold       folio publish into a fresh folder with an empty image cache: every image
             decoded, resized and encoded (600, 1000 px in JPEG and WebP, 1200 in WebP)
  rebuild    folio publish --force, cache kept: every page rendered, no image
             encoded again
  one-edit   folio publish after one post is edited

and prints the size of the search index (search.json and its chunks). Pillow is only
for making the corpus: `python3 -m venv /tmp/bench-venv && /tmp/bench-venv/bin/pip
install pillow`, then run this with /tmp/bench-venv/bin/python. Nothing here is a
pass/fail test.
"""
import argparse
import multiprocessing
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "bench"

# The timing of run.py: /usr/bin/time -v, seconds and peak RSS.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import run  # noqa: E402


def photo(i, path):
    from PIL import Image, ImageDraw

    rng = random.Random(i)
    w, h = 1200, 800
    top = tuple(rng.randrange(256) for _ in range(3))
    bottom = tuple(rng.randrange(256) for _ in range(3))
    img = Image.linear_gradient("L").resize((w, h))
    img = Image.merge("RGB", [img.point(lambda v, a=a, b=b: a + (b - a) * v // 255)
                              for a, b in zip(top, bottom)])
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x, y = rng.randrange(w), rng.randrange(h)
        r = rng.randrange(40, 300)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    grain = Image.effect_noise((w, h), 24).convert("RGB")
    img = Image.blend(img, grain, 0.12)
    img.save(path, "JPEG", quality=85)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folio", help="the folio binary (not needed with --photos-only)")
    ap.add_argument("--posts", type=int, default=10000)
    ap.add_argument("--before", help="an older folio binary, measured the same way after")
    ap.add_argument("--photos-only", metavar="DIR",
                    help="only write --posts photos into DIR (for `cargo bench --bench image_stages`)")
    ap.add_argument("--work", default="/tmp/folio-images-bench")
    args = ap.parse_args()
    if args.photos_only:
        Path(args.photos_only).mkdir(parents=True, exist_ok=True)
        with multiprocessing.Pool() as pool:
            pool.starmap(photo, [(n, Path(args.photos_only) / f"fig-{n}.jpg") for n in range(args.posts)])
        return
    work = Path(args.work)
    corpus = work / f"corpus-{args.posts}"
    if not corpus.exists():
        subprocess.run([sys.executable, SHARED / "gen_corpus.py", "--posts", str(args.posts),
                        "--out", corpus, "--format", "plain"], check=True)
        images = corpus / "images"
        images.mkdir(exist_ok=True)
        for md in corpus.rglob("*.md"):
            text = md.read_text()
            new = re.sub(r"/images/fig-(\d+)\.png", r"/images/fig-\1.jpg", text)
            if new != text:
                md.write_text(new)
        wanted = sorted({int(m) for md in corpus.rglob("*.md")
                         for m in re.findall(r"/images/fig-(\d+)\.jpg", md.read_text())})
        with multiprocessing.Pool() as pool:
            pool.starmap(photo, [(n, images / f"fig-{n}.jpg") for n in wanted], chunksize=64)
    for name, binary in (("folio", args.folio), ("folio before", args.before)):
        if binary:
            measure(name, Path(binary).resolve(), corpus, work, args.posts)


def measure(name, folio, corpus, work, posts):
    site = work / "site"
    shutil.rmtree(site, ignore_errors=True)
    site.mkdir(parents=True)
    shutil.copytree(corpus, site / "content")
    images_mb = sum(f.stat().st_size for f in (site / "content/images").glob("*")) / 1e6
    count = len(list((site / "content/images").glob("*.jpg")))
    run([folio, "import"], cwd=site)
    cold = run([folio, "publish"], cwd=site)
    rebuild = run([folio, "publish", "--force"], cwd=site)
    post = sorted((site / "content").rglob("*.md"))[0]
    post.write_text(post.read_text().replace("\n\n", "\n\nOne more sentence. ", 1))
    edit = run([folio, "publish"], cwd=site)
    out = site / "public"
    variants = sum(1 for f in out.rglob("*") if f.is_file() and "/size/" in str(f))
    variants_mb = sum(f.stat().st_size for f in out.rglob("*") if f.is_file() and "/size/" in str(f)) / 1e6
    index = [out / "search.json", *sorted((out / "search").glob("*.json"))]
    index_mb = sum(f.stat().st_size for f in index) / 1e6
    print(f"\n{name}: {folio}\n")
    print(f"| {posts} posts, {count} images ({images_mb:.0f} MB) | s | peak RSS MB |")
    print("|---|---|---|")
    for name, (t, rss) in (("cold (every image encoded)", cold), ("rebuild, cache kept (none encoded)", rebuild),
                           ("one post edited", edit)):
        print(f"| {name} | {t:.2f} | {rss:.0f} |")
    print(f"\nvariants: {variants} files, {variants_mb:.0f} MB; "
          f"search index: {len(index)} files, {index_mb:.2f} MB")


if __name__ == "__main__":
    main()
