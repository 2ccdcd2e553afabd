#!/usr/bin/env python3
"""Checks links_test.py itself on a throwaway tree: a good link, a broken one, an anchor, an
external URL, a link inside a code block and inside inline code; only the broken one may be
reported, and the exit status must follow."""
import os
import subprocess
import sys
import tempfile

CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "links_test.py")


def run(repo):
    p = subprocess.run([sys.executable, CHECKER, "--repo", repo], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    failures = []
    with tempfile.TemporaryDirectory() as repo:
        write(os.path.join(repo, "docs", "guide.md"), "# Guide\n")
        write(os.path.join(repo, "libs", "x", "README.md"),
              "[up](../../docs/guide.md#guide) [root](/docs/guide.md) [dir](../x)\n")
        write(os.path.join(repo, "README.md"),
              "[guide](docs/guide.md) [anchor](#top) [web](https://example.com/missing)\n"
              "`[code](nowhere-inline.md)`\n```\n[fenced](nowhere-fenced.md)\n```\n")
        code, out = run(repo)
        if code != 0:
            failures.append(f"a tree with only good links failed ({code}):\n{out}")
        write(os.path.join(repo, "docs", "other.md"), "see [missing](missing.md) and [ok](guide.md)\n")
        code, out = run(repo)
        if code != 1 or "docs/other.md:1: missing.md" not in out:
            failures.append(f"a broken link was not reported ({code}):\n{out}")
        for ignored in ("nowhere-inline.md", "nowhere-fenced.md", "example.com", "guide.md\n"):
            if ignored in out:
                failures.append(f"{ignored!r} reported although it is not a broken link:\n{out}")
    for f in failures:
        print(f)
    if not failures:
        print("links_test.py reports exactly the broken link")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
