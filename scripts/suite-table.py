#!/usr/bin/env python3
"""Rewrites the table "Rules and the scenarios that target them" in scenarios/README.md from
the built-in scenario files' `rules = [...]` lists, in the order of `payterm rules`
(tests/suite_coverage.rs checks the table against the files)."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / "scenarios" / "README.md"
HEADING = "### Rules and the scenarios that target them"

text = README.read_text()
start = text.index(HEADING)
table_start = text.index("| ", start)
table_end = text.index("\n\n", table_start)
rows = text[table_start:table_end].splitlines()
order = [re.match(r"\| `([A-Z0-9-]+)`", r).group(1) for r in rows if re.match(r"\| `([A-Z0-9-]+)`", r)]
targets = {rule: [] for rule in order}
for path in sorted((ROOT / "scenarios").rglob("*.toml")):
    m = re.search(r"^rules\s*=\s*\[(.*?)\]", path.read_text(), re.M | re.S)
    for rule in re.findall(r'"([A-Z0-9-]+)"', m.group(1) if m else ""):
        if rule not in targets:
            sys.exit(f"{path}: rule {rule} is not in the table; add its row first")
        targets[rule].append(path.relative_to(ROOT / "scenarios").as_posix())
head = [r for r in rows if not re.match(r"\| `[A-Z0-9-]+`", r)]
body = [f"| `{rule}` | " + ", ".join(f"`{f}`" for f in targets[rule]) + " |" for rule in order]
README.write_text(text[:table_start] + "\n".join(head + body) + text[table_end:])
