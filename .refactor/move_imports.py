"""NOT PART OF THE PRODUCT. A one-off refactoring tool for the lead (issue 17, "the code as a
house"): it moves the typed park config's and the register maps' modules to the bottom layer
(jobs/common) and rewrites every import and path mention of the old names, so that device_io
depends on jobs.common and never the other way round (tests/test_layering.py enforces it).

Idempotent: run it on any tree (e.g. after merging a branch written against the old paths):

    python .refactor/move_imports.py [--check] [ROOT]

It `git mv`s a module still at its old path (refusing if both paths exist), then rewrites the
old dotted names (`device_io.register_map`) and paths (`device_io/register_map.py`) in every
.py, .md, .yaml, .yml, .toml and Makefile under the tree (not .git, .venv, data), splits the
names that moved on their own out of `from ... import` lines, and sorts the touched imports
with ruff. `--check` changes nothing and exits 1 if anything would change. No shim is left at
the old paths: an old import fails loudly instead of working by accident.
"""

from __future__ import annotations

import argparse
import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

# old module -> new module (the file moves with it)
MODULE_MOVES = {
    "device_io.errors": "jobs.common.config_errors",
    "device_io.register_map": "jobs.common.register_map",
    "device_io.simulator.park_yaml": "jobs.common.park_yaml",
    "jobs.dispatch.schemas": "jobs.common.dispatch_schemas",
}
# (module, name) -> the module that defines the name now (the old one no longer exports it)
NAME_MOVES = {
    ("device_io.simulator.park_generator", "write_park_yaml"): "jobs.common.park_yaml",
}
SKIP_DIRS = {".git", ".venv", "data", "node_modules", "__pycache__", ".refactor", "target",
             "dbt_packages", "logs"}
TEXT_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".cfg", ".txt", ".sql"}


def as_path(module: str) -> str:
    return module.replace(".", "/") + ".py"


def files_under(root: Path) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        if any(part in SKIP_DIRS for part in path.relative_to(root).parts):
            continue
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name == "Makefile"):
            found.append(path)
    return sorted(found)


def move_files(root: Path, check: bool) -> list[str]:
    done = []
    for old, new in MODULE_MOVES.items():
        source, target = root / as_path(old), root / as_path(new)
        if source.exists() and target.exists():
            sys.exit(f"both {source} and {target} exist: merge them by hand, then rerun")
        if source.exists():
            done.append(f"move {as_path(old)} -> {as_path(new)}")
            if not check:
                subprocess.run(["git", "mv", str(source), str(target)], cwd=root, check=True)
    return done


KEEP = re.compile(r"(<!-- move_imports: keep -->.*?<!-- /move_imports -->)", re.S)


def rewrite_names(text: str) -> str:
    """The old names rewritten, except between `<!-- move_imports: keep -->` and
    `<!-- /move_imports -->` (the docs that name the old paths on purpose)."""
    return "".join(part if KEEP.fullmatch(part) else _rewrite(part)
                   for part in KEEP.split(text))


def _rewrite(text: str) -> str:
    for old, new in MODULE_MOVES.items():
        # dotted (imports, strings, `python -m`) and as a path, not inside a longer name
        text = re.sub(rf"(?<![\w.]){re.escape(old)}(?![\w])", new, text)
        text = re.sub(rf"(?<![\w/]){re.escape(as_path(old))}", as_path(new), text)
        text = re.sub(rf"(?<![\w/]){re.escape(old.replace('.', '/'))}(?![\w/.])",
                      new.replace(".", "/"), text)
    return text


def split_moved_names(text: str) -> str:
    """`from old import a, moved, b` -> `from old import a, b` + `from new import moved`."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text
    lines = text.splitlines(keepends=True)
    edits = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level:
            continue
        moved = [(a, NAME_MOVES[(node.module, a.name)]) for a in node.names
                 if (node.module, a.name) in NAME_MOVES]
        if not moved:
            continue
        kept = [a for a in node.names if (node.module, a.name) not in NAME_MOVES]
        indent = re.match(r"\s*", lines[node.lineno - 1]).group(0)

        def spelled(alias: ast.alias) -> str:
            return alias.name + (f" as {alias.asname}" if alias.asname else "")

        new_lines = []
        if kept:
            new_lines.append(f"{indent}from {node.module} import "
                             f"{', '.join(spelled(a) for a in kept)}\n")
        for alias, module in moved:
            new_lines.append(f"{indent}from {module} import {spelled(alias)}\n")
        edits.append((node.lineno - 1, node.end_lineno, new_lines))
    for start, end, new_lines in sorted(edits, reverse=True):
        lines[start:end] = new_lines
    return "".join(lines)


def drop_moved_exports(text: str, module: str) -> str:
    """The old module's `__all__` no longer names what moved away from it."""
    for (old, name) in NAME_MOVES:
        if old == module:
            text = re.sub(rf'(__all__ = \[[^\]]*?)"{name}",?\s*', r"\1", text)
            text = text.replace(", ]", "]")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", nargs="?", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if due")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    changes = move_files(root, args.check)
    touched: list[Path] = []
    for path in files_under(root):
        text = path.read_text(encoding="utf-8")
        new = rewrite_names(text)
        if path.suffix == ".py":
            new = split_moved_names(new)
            module = ".".join(path.relative_to(root).with_suffix("").parts)
            new = drop_moved_exports(new, module)
        if new != text:
            changes.append(f"rewrite {path.relative_to(root)}")
            touched.append(path)
            if not args.check:
                path.write_text(new, encoding="utf-8")
    python_files = [str(p) for p in touched if p.suffix == ".py"]
    if python_files and not args.check:
        candidates = [root / ".venv" / "bin" / "ruff", Path(sys.executable).parent / "ruff",
                      Path(shutil.which("ruff") or "ruff")]
        ruff = next((c for c in candidates if c.is_file()), None)
        if ruff is None:
            print("ruff not found: sort the imports of the rewritten files by hand")
        else:
            subprocess.run([str(ruff), "check", "--select", "I", "--fix", "--quiet",
                            *python_files], cwd=root, check=False)
    print("\n".join(changes) or "nothing to do: the tree is already moved")
    return 1 if args.check and changes else 0


if __name__ == "__main__":
    sys.exit(main())
