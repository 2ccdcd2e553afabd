#!/usr/bin/env python3
"""clang-tidy over Blend's translation units; fails only on findings the baseline does not hold.

Used by scripts/lint (`scripts/lint tidy --help` explains the options). The baseline file records
the commit it was taken at, the files it covers and the findings accepted in them. A run checks
the translation units changed since that commit (a header is checked through one translation
unit that includes it) and fails on:
  - a finding whose (file, check, message) occurs more often than the baseline allows, in a
    file the baseline covers or in a file that did not exist at the baseline commit;
  - a translation unit clang-tidy cannot compile.
For a file that existed at the baseline commit but is not covered by it, the units that report
findings in it are run a second time on the baseline commit's version of every changed file
(clang's virtual file system overlay; no checkout) and those findings are the allowance. If that
version does not compile any more, its findings are printed as "not baselined" and do not fail.
"""
import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

CXX_EXTS = (".cc", ".cpp", ".h", ".hpp")
FINDING = re.compile(
    r"^(?P<path>[^:\s][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<sev>warning|error): "
    r"(?P<msg>.*?)(?: \[(?P<check>[^\]]+)\])?$")


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] lint tidy: {msg}", file=sys.stderr, flush=True)


def git(repo, *args, check=True):
    r = subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {r.stderr.strip()}")
    return r


class Baseline:
    def __init__(self):
        self.commit = None
        self.covered = set()
        self.findings = Counter()  # (path, check, message) -> count

    @staticmethod
    def load(path):
        b = Baseline()
        if not os.path.exists(path):
            return b
        with open(path, encoding="utf-8") as f:
            for raw in f:
                line = raw.rstrip("\n")
                if not line or line.startswith("#"):
                    continue
                kind, _, rest = line.partition(" ")
                if kind == "commit":
                    b.commit = rest.strip()
                elif kind == "file":
                    b.covered.add(rest.strip())
                elif kind == "finding":
                    p, check, msg = rest.split("\t", 2)
                    b.findings[(p, check, msg)] += 1
        return b

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            f.write("# clang-tidy findings accepted at a commit; written by "
                    "`scripts/lint tidy --update-baseline` (never by hand).\n")
            f.write("# Lines: `commit <sha>`, `file <path>` (covered), "
                    "`finding <path>\\t<check>\\t<message>`.\n")
            f.write(f"commit {self.commit}\n")
            for p in sorted(self.covered):
                f.write(f"file {p}\n")
            for (p, check, msg), n in sorted(self.findings.items()):
                for _ in range(n):
                    f.write(f"finding {p}\t{check}\t{msg}\n")


UNITY_SOURCE = re.compile(r'^#include "([^"]+)"', re.M)


def expand_unity(db):
    """A unity build (BLEND_UNITY_BUILD) lists one entry per batch file, Unity/unity_<n>_cxx.cxx,
    which #includes the batch's sources by absolute path. clang-tidy checks each source on its
    own, so each gets the batch's command with the batch file replaced by the source."""
    for e in db:
        full = os.path.normpath(os.path.join(e["directory"], e["file"]))
        if not re.search(r"/Unity/unity_[0-9]+_cxx\.cxx$", full):
            yield e
            continue
        with open(full, encoding="utf-8") as f:
            sources = UNITY_SOURCE.findall(f.read())
        for src in sources:
            one = dict(e)
            one["file"] = src
            if "arguments" in e:
                one["arguments"] = [src if a in (e["file"], full) else a for a in e["arguments"]]
            else:
                one["command"] = " ".join(
                    shlex.quote(src) if a in (e["file"], full) else shlex.quote(a)
                    for a in shlex.split(e["command"]))
            yield one


def translation_units(repo, build):
    db_path = os.path.join(build, "compile_commands.json")
    if not os.path.exists(db_path):
        raise SystemExit(f"{db_path} missing: configure the build first (cmake -B {build})")
    with open(db_path, encoding="utf-8") as f:
        db = json.load(f)
    tus = {}
    for e in expand_unity(db):
        full = os.path.normpath(os.path.join(e["directory"], e["file"]))
        rel = os.path.relpath(full, repo)
        if rel.startswith("..") or full.startswith(os.path.abspath(build) + os.sep):
            continue  # outside the repository, or generated (protobuf)
        tus[rel] = e
    return tus


def project_files(repo):
    out = git(repo, "ls-files", "--cached", "--others", "--exclude-standard").stdout
    return {p for p in out.splitlines() if p.endswith(CXX_EXTS)}


def changed_since(repo, base):
    changed = set(git(repo, "diff", "--name-only", "--diff-filter=ACMR", base).stdout.split())
    changed |= set(git(repo, "ls-files", "--others", "--exclude-standard").stdout.split())
    return sorted(p for p in changed if p.endswith(CXX_EXTS))


def clang_format(text, style_file, assume):
    r = subprocess.run(
        ["clang-format", f"--style=file:{style_file}", f"--assume-filename={assume}"],
        input=text, capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else None


def only_reformatted(repo, base, path):
    """True when the file differs from its base version only in formatting (the tree's one
    formatting commit must not make every file 'changed')."""
    old = git(repo, "show", f"{base}:{path}", check=False)
    if old.returncode != 0:
        return False
    with open(os.path.join(repo, path), encoding="utf-8", errors="replace") as f:
        new = f.read()
    style = os.path.join(repo, ".clang-format")
    a, b = clang_format(old.stdout, style, path), clang_format(new, style, path)
    return a is not None and a == b


def users_of(repo, header, tus):
    """Translation units that include the header directly, those of its own component first."""
    below_include = header.split("/include/", 1)[1] if "/include/" in header else None
    pat = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
    component = "/".join(header.split("/")[:2])
    users = []
    for tu in sorted(tus):
        try:
            with open(os.path.join(repo, tu), encoding="utf-8", errors="replace") as f:
                incs = set(pat.findall(f.read()))
        except OSError:
            continue
        local = os.path.relpath(header, os.path.dirname(tu))
        if (below_include and below_include in incs) or local in incs:
            users.append(tu)
    return sorted(users, key=lambda t: not t.startswith(component + "/"))


def recency(repo, base):
    """path -> rank: uncommitted changes first, then the newest commit's files."""
    order = git(repo, "diff", "--name-only", "HEAD").stdout.split()
    order += git(repo, "log", "--format=", "--name-only", f"{base}..HEAD").stdout.split()
    rank = {}
    for p in order:
        rank.setdefault(p, len(rank))
    return rank


def select(repo, tus, base, check_all):
    """-> (translation units to run, most recently changed first; headers they stand for)"""
    if check_all:
        return sorted(tus), set()
    rank = recency(repo, base)
    chosen, headers = {}, set()
    for p in changed_since(repo, base):
        if only_reformatted(repo, base, p):
            continue
        r = rank.get(p, -1)  # untracked files count as the newest
        if p in tus:
            chosen[p] = min(r, chosen.get(p, r))
        elif p.endswith((".h", ".hpp")):
            users = users_of(repo, p, tus)
            if not users:
                log(f"{p}: no translation unit includes it; not checked")
                continue
            headers.add(p)
            picked = next((u for u in users if u in chosen), users[0])
            chosen[picked] = min(r, chosen.get(picked, r))
    return sorted(chosen, key=lambda t: (chosen[t], t)), headers


def write_compile_db(entries, tmp):
    """A compile database for clang: GCC's precompiled header (cmake_pch.hxx.gch) is not one
    clang can read, so the forced include is pointed at a copy of the header without it."""
    out = []
    for i, e in enumerate(entries):
        args = e["arguments"] if "arguments" in e else shlex.split(e["command"])
        fixed, skip = [], False
        for j, a in enumerate(args):
            if skip:
                skip = False
                continue
            if a in ("-Winvalid-pch", "-fpch-preprocess"):
                continue
            if a == "-include" and j + 1 < len(args) and args[j + 1].endswith("cmake_pch.hxx"):
                src = os.path.join(e["directory"], args[j + 1])
                copy = os.path.join(tmp, f"pch{i}.hxx")
                if os.path.exists(src):
                    shutil.copyfile(src, copy)
                    fixed += ["-include", copy]
                skip = True
                continue
            fixed.append(a)
        out.append({"directory": e["directory"], "file": e["file"], "arguments": fixed})
    with open(os.path.join(tmp, "compile_commands.json"), "w", encoding="utf-8") as f:
        json.dump(out, f)


def run_one(repo, tmp, config, tu, entry, overlay=None):
    t0 = time.monotonic()
    full = os.path.normpath(os.path.join(entry["directory"], entry["file"]))
    extra = [f"--vfsoverlay={overlay}"] if overlay else []
    r = subprocess.run(["clang-tidy", "--quiet", f"--config-file={config}", *extra, "-p", tmp,
                        full], capture_output=True, text=True)
    return tu, r.returncode, r.stdout + r.stderr, time.monotonic() - t0


def parse(repo, tu, text, known):
    """-> set of (path, line, col, sev, check, message) in project files"""
    found = set()
    for line in text.splitlines():
        m = FINDING.match(line)
        if not m:
            continue
        p = os.path.relpath(os.path.normpath(os.path.join(repo, m["path"])), repo)
        if p not in known and not (m["sev"] == "error" and p == tu):
            continue
        found.add((p, int(m["line"]), int(m["col"]), m["sev"], m["check"] or "clang-diagnostic",
                   m["msg"]))
    return found


def existed_at(repo, base, path):
    return git(repo, "cat-file", "-e", f"{base}:{path}", check=False).returncode == 0


def write_overlay(repo, base, tmp):
    """A clang VFS overlay that shows every file changed since base as it was at base."""
    roots = []
    for p in changed_since(repo, base):
        old = git(repo, "show", f"{base}:{p}", check=False)
        if old.returncode != 0:
            continue
        copy = os.path.join(tmp, "base", p)
        os.makedirs(os.path.dirname(copy), exist_ok=True)
        with open(copy, "w", encoding="utf-8") as f:
            f.write(old.stdout)
        roots.append({"type": "file", "name": os.path.join(repo, p), "external-contents": copy})
    path = os.path.join(tmp, "base-overlay.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"version": 0, "case-sensitive": "true", "use-external-names": "false",
                   "roots": roots}, f)
    return path


def allowance_at_base(repo, base, tmp, config, tus, units, jobs, known):
    """-> (Counter of (path, check, message) in the base versions, units that did not compile)"""
    overlay = write_overlay(repo, base, tmp)
    counts, failed = Counter(), set()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for tu, rc, out, _ in pool.map(
                lambda t: run_one(repo, tmp, config, t, tus[t], overlay), sorted(units)):
            f = parse(repo, tu, out, known)
            if rc != 0 and (not f or any(x[3] == "error" for x in f)):
                failed.add(tu)
                continue
            for p, _line, _col, _sev, check, msg in f:
                counts[(p, check, msg)] += 1
    return counts, failed


def main():
    ap = argparse.ArgumentParser(prog="scripts/lint tidy", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--build", required=True, help="build folder with compile_commands.json")
    ap.add_argument("--baseline", required=True, help="baseline file")
    ap.add_argument("--config", help="clang-tidy configuration (default <repo>/.clang-tidy)")
    ap.add_argument("--base", help="compare with this commit instead of the baseline's")
    ap.add_argument("--all", action="store_true", help="every translation unit (slow)")
    ap.add_argument("--files", nargs="*", help="exactly these translation units")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--max-files", type=int, default=20,
                    help="at most this many translation units (the most recently changed)")
    ap.add_argument("--update-baseline", action="store_true",
                    help="accept the findings of the checked files and move the commit to HEAD")
    a = ap.parse_args()

    repo = os.path.abspath(a.repo)
    build = os.path.abspath(a.build)
    config = a.config or os.path.join(repo, ".clang-tidy")
    baseline = Baseline.load(a.baseline)
    base = a.base or baseline.commit
    if not base and not a.all and a.files is None:
        raise SystemExit(f"{a.baseline} has no commit: run with --all --update-baseline once")
    if base and git(repo, "cat-file", "-e", f"{base}^{{commit}}", check=False).returncode != 0:
        raise SystemExit(f"baseline commit {base} is not in this clone (fetch full history)")

    tus = translation_units(repo, build)
    if a.files is not None:
        chosen = [os.path.relpath(os.path.abspath(f), repo) for f in a.files]
        missing = [f for f in chosen if f not in tus]
        if missing:
            raise SystemExit(f"not in {build}/compile_commands.json: {' '.join(missing)}")
        headers = set()
    else:
        chosen, headers = select(repo, tus, base, a.all)
    if len(chosen) > a.max_files and not a.all and not a.update_baseline:
        log(f"{len(chosen)} translation units changed since {base[:12]}; checking the first "
            f"{a.max_files} (raise --max-files / BLEND_LINT_TIDY_MAX_FILES, or move the "
            f"baseline: scripts/lint tidy --update-baseline)")
        chosen = chosen[:a.max_files]
    if not chosen:
        log(f"nothing changed since {base[:12] if base else '-'}; nothing to check")
        if a.update_baseline:
            baseline.commit = git(repo, "rev-parse", "HEAD").stdout.strip()
            baseline.save(a.baseline)
        return 0

    log(f"{len(chosen)} translation unit(s), {a.jobs} job(s), since "
        f"{base[:12] if base else '(all)'}")
    known = project_files(repo)
    t0 = time.monotonic()
    found, broken, cpu, reporters = set(), [], 0.0, defaultdict(set)
    tmpdir = tempfile.TemporaryDirectory(prefix="blend-tidy.")
    tmp = tmpdir.name
    write_compile_db([tus[t] for t in chosen], tmp)
    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        for tu, rc, out, secs in pool.map(lambda t: run_one(repo, tmp, config, t, tus[t]),
                                         chosen):
            cpu += secs
            f = parse(repo, tu, out, known)
            found |= f
            for x in f:
                reporters[x[0]].add(tu)
            if rc != 0 and (not f or any(x[3] == "error" for x in f)):
                broken.append((tu, out))
    log(f"clang-tidy took {time.monotonic() - t0:.0f} s ({cpu:.0f} s summed over "
        f"{len(chosen)} unit(s))")

    by_key = defaultdict(list)
    for p, line, col, sev, check, msg in sorted(found):
        by_key[(p, check, msg)].append((line, col, sev))

    if a.update_baseline:
        tmpdir.cleanup()
        scope = set(chosen) | headers | {k[0] for k in by_key}
        if a.all:
            scope |= {p for p in known if p.endswith((".h", ".hpp"))}
        baseline.covered = {p for p in (baseline.covered - scope) | scope
                            if os.path.exists(os.path.join(repo, p))}
        kept = Counter({k: n for k, n in baseline.findings.items()
                        if k[0] not in scope and k[0] in baseline.covered})
        for k, locs in by_key.items():
            kept[k] = len(locs)
        baseline.findings = kept
        baseline.commit = git(repo, "rev-parse", "HEAD").stdout.strip()
        baseline.save(a.baseline)
        log(f"baseline: {sum(kept.values())} finding(s) in {len(baseline.covered)} covered "
            f"file(s), commit {baseline.commit[:12]}; commit {os.path.relpath(a.baseline, repo)}")
        for tu, out in broken:
            print(f"{tu}: clang-tidy could not compile it:\n{out}", file=sys.stderr)
        return 1 if broken else 0

    # Files the baseline does not cover but that existed at its commit: their allowance is what
    # the same units report on the commit's version of the changed files.
    legacy = {k[0] for k, locs in by_key.items()
              if k[0] not in baseline.covered and base and len(locs) > baseline.findings[k]
              and not any(sev == "error" for _, _, sev in locs) and existed_at(repo, base, k[0])}
    at_base, base_failed = Counter(), set()
    if legacy:
        units = set().union(*(reporters[p] for p in legacy))
        t1 = time.monotonic()
        at_base, base_failed = allowance_at_base(repo, base, tmp, config, tus, units, a.jobs,
                                                 known)
        log(f"{len(legacy)} file(s) not covered by the baseline: {len(units)} unit(s) run again "
            f"on their version at {base[:12]} ({time.monotonic() - t1:.0f} s)")
    tmpdir.cleanup()

    new, unbaselined = [], []
    for (p, check, msg), locs in sorted(by_key.items()):
        allowed = baseline.findings.get((p, check, msg), 0)
        if p in legacy:
            allowed = at_base[(p, check, msg)]
        if any(sev == "error" for _, _, sev in locs):
            new.append((p, check, msg, locs, allowed))
        elif len(locs) <= allowed:
            continue
        elif p in legacy and reporters[p] & base_failed:
            unbaselined.append((p, check, msg, locs, allowed))
        else:
            new.append((p, check, msg, locs, allowed))
    for p, check, msg, locs, _ in unbaselined:
        for line, col, sev in locs:
            print(f"{p}:{line}:{col}: note: not baselined (its version at the baseline commit "
                  f"does not compile): {msg} [{check}]")
    for p, check, msg, locs, allowed in new:
        extra = f" ({len(locs)} found, baseline allows {allowed})" if allowed else ""
        for line, col, sev in locs:
            print(f"{p}:{line}:{col}: {sev}: NEW: {msg} [{check}]{extra}")
    for tu, out in broken:
        if not any(n[0] == tu for n in new):
            print(f"{tu}: clang-tidy failed:\n{out}")
    if new or broken:
        log(f"FAILED: {len(new)} new finding(s), {len(broken)} unit(s) that did not compile. "
            "Fix them, or (only for a finding that is wrong) add `// NOLINT(<check>)` with a "
            "reason")
        return 1
    log(f"passed ({sum(len(v) for v in by_key.values())} finding(s), none new)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
