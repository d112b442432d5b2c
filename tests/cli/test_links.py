"""Every relative link in the documentation resolves, and the README stays short.

Scans README.md, docs/*.md and analyses/**/README.md. Each relative link (inline
`[text](target)`, image `![alt](target)`, reference definition `[label]: target`, or HTML
`href=`/`src=`) must name a file or folder that exists; a `#anchor` into a Markdown file (or
within the same file) must match one of its headings' GitHub anchors or an explicit
`<a id=...>`/`<a name=...>`. Links inside fenced code blocks and inline code are not links.
Each broken link is printed as `file:line: target`. README.md has at most README_MAX_LINES
lines; the rest belongs in docs/.

Usage: /usr/bin/python3 tests/cli/test_links.py [path/to/softcheck]  (the binary is not used)
"""
import functools
import glob
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import check, finish  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
README_MAX_LINES = 250

INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^()\s<>]*(?:\([^()\s]*\)[^()\s<>]*)*)>?"
                         r"(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
HTML_LINK = re.compile(r"\b(?:href|src)\s*=\s*\"([^\"]*)\"")
HTML_ANCHOR = re.compile(r"<a\s[^>]*\b(?:id|name)\s*=\s*\"([^\"]+)\"")
FENCE = re.compile(r"^\s{0,3}(```|~~~)")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")


def documentation_files():
    """README.md, docs/*.md and every analyses/**/README.md, as paths relative to ROOT."""
    files = ["README.md"]
    files += sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "docs", "*.md")))
    files += sorted(os.path.relpath(p, ROOT)
                    for p in glob.glob(os.path.join(ROOT, "analyses", "**", "README.md"),
                                       recursive=True))
    return files


def prose_lines(text, strip_inline_code=True):
    """(line number, line) for each line outside fenced code blocks; inline code removed unless
    strip_inline_code is False (headings keep it: `softcheck report` is part of its anchor)."""
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        opening = FENCE.match(line)
        if fence is not None:
            if opening and opening.group(1) == fence:
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            continue
        yield number, INLINE_CODE.sub("", line) if strip_inline_code else line


def github_anchor(heading):
    """The anchor GitHub gives a heading: the rendered text lower-cased, punctuation other
    than '-' and '_' dropped, each space a '-' (github-slugger)."""
    text = re.sub(r"!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\([^)]*\)", r"\1", heading)  # links -> text
    text = re.sub(r"<[^>]+>", "", text)                                           # HTML tags
    text = text.replace("`", "").replace("*", "")
    text = text.strip().lower()
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


@functools.lru_cache(maxsize=None)
def anchors(path):
    """Every anchor a Markdown file defines: headings (GitHub's de-duplicating suffixes -1,
    -2, ... included) and explicit <a id/name>."""
    found, seen = set(), {}
    for _, line in prose_lines(open(path, encoding="utf-8").read(), strip_inline_code=False):
        found.update(HTML_ANCHOR.findall(line))
        heading = HEADING.match(line)
        if heading:
            slug = github_anchor(heading.group(1))
            count = seen.get(slug, 0)
            found.add(slug if count == 0 else f"{slug}-{count}")
            seen[slug] = count + 1
    return frozenset(found)


def link_targets(text):
    """(line number, target) of every link in the prose of text."""
    for number, line in prose_lines(text):
        for target in INLINE_LINK.findall(line) + HTML_LINK.findall(line):
            yield number, target
        definition = REFERENCE_DEFINITION.match(line)
        if definition:
            yield number, definition.group(1)


def broken_links(relative):
    """'file:line: target' for each relative link of the file that does not resolve."""
    source = os.path.join(ROOT, relative)
    broken = []
    for number, target in link_targets(open(source, encoding="utf-8").read()):
        if not target or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.startswith("//"):
            continue  # empty, or an absolute URL (https:, mailto:, ...)
        path, _, anchor = target.partition("#")
        path = urllib.parse.unquote(path)
        resolved = source if not path else os.path.normpath(
            os.path.join(ROOT, path.lstrip("/")) if path.startswith("/")
            else os.path.join(os.path.dirname(source), path))
        if not os.path.exists(resolved):
            broken.append(f"{relative}:{number}: {target} (no such file)")
        elif anchor and resolved.endswith(".md") and os.path.isfile(resolved):
            if urllib.parse.unquote(anchor).lower() not in anchors(resolved):
                broken.append(f"{relative}:{number}: {target} (no such heading)")
    return broken


def main():
    files = documentation_files()
    check("documentation files found", len(files) > 1 and os.path.isfile(os.path.join(ROOT, "README.md")),
          files)
    all_broken = []
    for relative in files:
        all_broken += broken_links(relative)
    for line in all_broken:
        print(line)
    check(f"every relative link in {len(files)} documentation files resolves", not all_broken,
          f"{len(all_broken)} broken link(s), listed above")
    lines = len(open(os.path.join(ROOT, "README.md"), encoding="utf-8").read().splitlines())
    check(f"README.md has at most {README_MAX_LINES} lines", lines <= README_MAX_LINES,
          f"README.md has {lines} lines: move the detail into docs/")
    return finish()


if __name__ == "__main__":
    sys.exit(main())
