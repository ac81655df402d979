#!/usr/bin/env python3
"""Write ``src/copydesk/clean/stopwords.txt``: the most frequent function words of 100 languages.

Why: the prose test (``copydesk.clean.prose``) reads the share of stopwords in a line to tell running text
from furniture in any language. The stoplists come from jusText (BSD 2-Clause, installed by the ``[html]``
extra), ordered by frequency; the core must work without that extra and give the same results with it, so
the top words of each list are carried in the package instead of read from jusText at run time.

Run: ``python tools/make_stopwords.py`` (needs ``justext``), then commit the file.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

TOP_WORDS = 60  # per language: function words; further down the lists hold content words

OUT = Path(__file__).resolve().parents[1] / "src" / "copydesk" / "clean" / "stopwords.txt"


def main() -> None:
    folder = resources.files("justext") / "stoplists"
    words: set[str] = set()
    languages = 0
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".txt"):
            continue
        languages += 1
        seen = 0
        for line in entry.read_text(encoding="utf-8").splitlines():
            word = line.strip().casefold()
            if not word or word in words and seen >= TOP_WORDS:
                continue
            words.add(word)
            seen += 1
            if seen >= TOP_WORDS:
                break
    header = (f"# The {TOP_WORDS} most frequent words of each of {languages} jusText stoplists (BSD 2-Clause,\n"
              "# github.com/miso-belica/jusText), casefolded; written by tools/make_stopwords.py.\n")
    OUT.write_text(header + "\n".join(sorted(words)) + "\n", encoding="utf-8")
    print(f"{len(words)} words from {languages} languages -> {OUT}")


if __name__ == "__main__":
    main()
