#!/usr/bin/env python3
"""Checks that every relative link in Blend's Markdown documentation points at something.

Files checked: README.md, docs/*.md and every README.md in the tree (build folders and hidden
folders left out). A link is `[text](target)`, `![alt](target)` or a reference definition
`[label]: target`, outside fenced code blocks and inline code. Targets with a scheme
(`https:`, `mailto:` ...) and anchors within the same file (`#section`) are not checked; for
the rest the anchor is dropped and the path must name a file or folder of the repository
(relative to the Markdown file, or to the repository root when it starts with `/`).

Usage: links_test.py [--repo DIR]   (default: the repository holding this script)
Exit status 0 when every link resolves; 1 with the list of broken links otherwise.
"""
import argparse
import os
import re
import sys
from urllib.parse import unquote

SKIP_DIRS = {".git", ".local", "node_modules", "__pycache__"}
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+[\"'(][^)]*)?\)")
REFERENCE_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def markdown_files(repo):
    """README.md, docs/*.md and every README.md below the repository root, sorted."""
    found = set()
    for root, dirs, files in os.walk(repo):
        rel_root = os.path.relpath(root, repo)
        dirs[:] = [d for d in dirs
                   if d not in SKIP_DIRS and not d.startswith(".")
                   and not (rel_root == "." and d.startswith("build"))]
        for name in files:
            if name == "README.md":
                found.add(os.path.join(root, name))
    docs = os.path.join(repo, "docs")
    if os.path.isdir(docs):
        for name in os.listdir(docs):
            if name.endswith(".md"):
                found.add(os.path.join(docs, name))
    return sorted(found)


def link_targets(text):
    """(line number, target) of every link outside code blocks and code spans."""
    fence = None
    for number, line in enumerate(text.splitlines(), start=1):
        opening = FENCE.match(line)
        if opening:
            marker = opening.group(1)
            if fence is None:
                fence = marker
                continue
            if marker[0] == fence[0] and len(marker) >= len(fence):
                fence = None
                continue
        if fence is not None:
            continue
        line = INLINE_CODE.sub("", line)
        for match in INLINE_LINK.finditer(line):
            yield number, match.group(1)
        definition = REFERENCE_DEF.match(line)
        if definition:
            yield number, definition.group(1)


def broken_links(repo, path):
    """The links of one Markdown file that name nothing in the repository."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    problems = []
    for number, target in link_targets(text):
        target = target.strip("<>")
        if not target or target.startswith("#") or SCHEME.match(target):
            continue
        target_path = unquote(re.split(r"[#?]", target, maxsplit=1)[0])
        if not target_path:
            continue
        base = repo if target_path.startswith("/") else os.path.dirname(path)
        resolved = os.path.normpath(os.path.join(base, target_path.lstrip("/")))
        inside = os.path.commonpath([repo, resolved]) == repo
        if not inside or not os.path.exists(resolved):
            problems.append((number, target))
    return problems


def main():
    default_repo = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default=default_repo, help="repository root")
    args = parser.parse_args()
    repo = os.path.realpath(args.repo)
    files = markdown_files(repo)
    if not files:
        print(f"no Markdown files found under {repo}", file=sys.stderr)
        return 1
    broken = []
    links = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            links += sum(1 for _ in link_targets(f.read()))
        for number, target in broken_links(repo, path):
            broken.append(f"{os.path.relpath(path, repo)}:{number}: {target}")
    if broken:
        print(f"{len(broken)} broken relative link(s):")
        for line in broken:
            print(f"  {line}")
        return 1
    print(f"{len(files)} files, {links} links, every relative link resolves")
    return 0


if __name__ == "__main__":
    sys.exit(main())
