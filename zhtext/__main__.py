"""Command line: try the similarity on your own texts.

    python -m zhtext similar FILE_A FILE_B   # score in [0, 1], the decision, shared terms
    python -m zhtext pairs FILE.csv          # CSV of id,text in; suggested pairs as CSV out

`pairs` prints a,b,score,terms (terms joined by "|"), best first, using the same inverted
index and threshold as the application. --threshold changes the cut.
"""

import argparse
import csv
import sys
from pathlib import Path

from zhtext.pairs import candidate_pairs
from zhtext.similarity import THRESHOLD, shared_terms, similarity


def _read(path: str) -> str:
    return sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8-sig")


def similar(args: argparse.Namespace) -> int:
    a, b = _read(args.file_a), _read(args.file_b)
    score = similarity(a, b)
    decision = "same" if score >= args.threshold else "different"
    print(f"{score:.3f}")
    print(f"{decision} (threshold {args.threshold})")
    terms = shared_terms(a, b)
    if terms:
        print("shared: " + " ".join(terms))
    return 0


def pairs(args: argparse.Namespace) -> int:
    with open(args.file, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or not {"id", "text"} <= set(reader.fieldnames):
            print("the CSV needs a header with columns id and text", file=sys.stderr)
            return 2
        docs = {row["id"]: row["text"] for row in reader}
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["a", "b", "score", "terms"])
    for pair in candidate_pairs(docs, args.threshold):
        writer.writerow([pair.a, pair.b, f"{pair.score:.3f}", "|".join(pair.terms)])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zhtext", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("similar", help="score two text files")
    one.add_argument("file_a")
    one.add_argument("file_b")
    one.add_argument("--threshold", type=float, default=THRESHOLD)
    one.set_defaults(run=similar)
    many = commands.add_parser("pairs", help="suggest similar pairs in a CSV of id,text")
    many.add_argument("file")
    many.add_argument("--threshold", type=float, default=THRESHOLD)
    many.set_defaults(run=pairs)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
