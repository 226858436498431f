#!/usr/bin/env python3
"""Checks the direction of dependencies between saddle's top-level modules.

Every `crate::X…` path in the code of `src/` (comments and string literals stripped, doc links
included in comments are therefore ignored) is an arrow from the file's top-level module to `X`.
The script fails (exit 1) on an arrow that points to a module in a higher layer or to an
undeclared module, and prints the arrows it found with `--edges` (`--files` adds where).
"""
import os
import re
import sys

# Lowest layer first. A module may use modules of lower layers and of its own layer, except
# that arrows within one layer must not form a cycle (checked separately).
LAYERS = [
    ["error", "players", "rng", "linalg", "special", "check", "constraint", "vector", "files", "clock", "variant_name"],
    ["neural"],
    ["game"],
    ["setup", "optim", "analysis", "score"],
    ["run"],
    ["sweep"],
    ["tui"],
    ["cli"],
]

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")


def strip(text):
    """Removes comments, string and char literals, keeping line breaks."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    out.append("\n" if text[i] == "\n" else "")
                    i += 1
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and not (i and (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'r(#*)"', text[i:])
            end = '"' + m.group(1)
            j = text.find(end, i + len(m.group(0)))
            j = n if j < 0 else j + len(end)
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append("\n" * text.count("\n", i, j))
            i = j + 1
        elif c == "'" and re.match(r"'(\\.[^']*|[^\\'])'", text[i:i + 12]):
            m = re.match(r"'(\\.[^']*|[^\\'])'", text[i:i + 12])
            i += len(m.group(0))
        else:
            out.append(c)
            i += 1
    return "".join(out)


def group_heads(text, start):
    """The first path segment of each item of the `{…}` group opening at `start`."""
    depth, i, item, heads = 0, start, "", []
    while i < len(text):
        c = text[i]
        if c == "{":
            depth += 1
            if depth == 1:
                i += 1
                continue
        elif c == "}":
            depth -= 1
            if depth == 0:
                heads.append(item)
                break
        if depth == 1 and c == ",":
            heads.append(item)
            item = ""
        elif depth >= 1:
            item += c
        i += 1
    out = []
    for h in heads:
        m = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)", h)
        if m and m.group(1) != "self":
            out.append(m.group(1))
    return out


def top_module(path):
    rel = os.path.relpath(path, ROOT).split(os.sep)
    name = rel[0]
    return name[:-3] if name.endswith(".rs") else name


def arrows():
    """(from, to) -> [file:line, …] over every `.rs` file of the library."""
    found = {}
    for dirpath, _, files in os.walk(ROOT):
        for f in sorted(files):
            if not f.endswith(".rs"):
                continue
            path = os.path.join(dirpath, f)
            src = top_module(path)
            if src in ("main", "lib"):
                continue
            text = strip(open(path, encoding="utf-8").read())
            for m in re.finditer(r"\bcrate\s*::\s*(\{|[A-Za-z_][A-Za-z0-9_]*)", text):
                line = text.count("\n", 0, m.start()) + 1
                targets = group_heads(text, m.start(1)) if m.group(1) == "{" else [m.group(1)]
                for t in targets:
                    if t != src:
                        where = f"{os.path.relpath(path, os.path.join(ROOT, '..'))}:{line}"
                        found.setdefault((src, t), []).append(where)
    return found


def main():
    layer = {m: i for i, ms in enumerate(LAYERS) for m in ms}
    found = arrows()
    bad = []
    for (a, b), where in sorted(found.items()):
        if a not in layer:
            bad.append(f"module `{a}` is not in the declared layers ({where[0]})")
        elif b not in layer:
            bad.append(f"`{a}` uses `{b}`, which is not in the declared layers ({where[0]})")
        elif layer[b] > layer[a]:
            bad.append(f"upward arrow `{a}` → `{b}` at {', '.join(where)}")
    # Cycles among modules of one layer.
    graph = {}
    for a, b in found:
        graph.setdefault(a, set()).add(b)
    state = {}

    def visit(v, stack):
        state[v] = 1
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if state.get(w) == 1:
                bad.append("cycle " + " → ".join(stack[stack.index(w):] + [w]))
            elif w not in state:
                visit(w, stack)
        stack.pop()
        state[v] = 2

    for v in sorted(graph):
        if v not in state:
            visit(v, [])
    if "--edges" in sys.argv or "--files" in sys.argv:
        for (a, b), where in sorted(found.items(), key=lambda e: (layer.get(e[0][0], 99), e[0])):
            print(f"{a} → {b} ({len(where)})")
            if "--files" in sys.argv:
                for w in where:
                    print(f"    {w}")
    for b in bad:
        print("module_graph:", b, file=sys.stderr)
    if bad:
        sys.exit(1)
    print(f"module_graph: {len(found)} arrows between top-level modules, none upward, no cycle")


if __name__ == "__main__":
    main()
