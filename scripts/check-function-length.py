#!/usr/bin/env python3
"""House rule: no function over 60 lines in the front ends (app/) and the experiment core
(core/experiment/), where every run is assembled. Counts a function from the first line of its
signature to its closing brace, by brace depth (strings, characters and // comments ignored);
lambdas count as part of the function that holds them.

Usage: check-function-length.py [LIMIT] [FOLDER...]; exits 1 listing the offenders."""
import pathlib
import re
import sys


def code_of(line):
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])*'", "''", line)
    return line.split("//")[0]


def long_functions(path, limit):
    text = path.read_text().split("\n")
    stack, start, found = [], None, []
    for i, raw in enumerate(text):
        line = code_of(raw)
        for ch in line:
            if ch == "{":
                inside = "fn" in stack
                if inside:
                    kind = "inner"
                elif re.match(r'\s*(namespace|extern "C")', line):
                    kind = "ns"
                elif re.match(r"\s*(struct|class|enum|union)\b", line):
                    kind = "type"
                else:
                    kind = "fn"
                stack.append(kind)
                if kind == "fn":
                    j = i  # back up to the first line of a signature that spans lines
                    while j > 0 and text[j - 1].strip() and not text[j - 1].strip().endswith(
                            (";", "}", "{")) and not text[j - 1].strip().startswith("//"):
                        j -= 1
                    start = j
            elif ch == "}" and stack:
                if stack.pop() == "fn" and i - start + 1 > limit:
                    found.append((i - start + 1, start + 1, text[start].strip()[:70]))
    return found


def main():
    args = sys.argv[1:]
    limit = int(args.pop(0)) if args and args[0].isdigit() else 60
    root = pathlib.Path(__file__).resolve().parent.parent
    folders = args or ["app", "core/experiment"]
    bad = []
    for folder in folders:
        for path in sorted((root / folder).rglob("*.cpp")):
            for n, line, name in long_functions(path, limit):
                bad.append(f"{path.relative_to(root)}:{line}: {n} lines: {name}")
    for b in bad:
        print(b)
    print(f"function length: {len(bad)} function(s) over {limit} lines in {', '.join(folders)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
