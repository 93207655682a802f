import csv
import io
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own module, fixed arguments)
        [sys.executable, "-m", "zhtext", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_similar_prints_a_score_and_the_decision(tmp_path):
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    a.write_text("以事前产权激励为核心的职务科技成果权属改革", encoding="utf-8")
    b.write_text("以事前产權激勵為核心的職務\n— 3 —\n科技成果權屬改革", encoding="utf-8")
    result = run("similar", str(a), str(b))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert 0.5 <= float(lines[0]) <= 1.0
    assert lines[1].startswith("same")
    c = tmp_path / "c.txt"
    c.write_text("国税地税联合办税", encoding="utf-8")
    lines = run("similar", str(a), str(c)).stdout.splitlines()
    assert 0.0 <= float(lines[0]) < 0.5
    assert lines[1].startswith("different")


def test_pairs_reads_id_text_csv_and_prints_pairs_as_csv(tmp_path):
    source = tmp_path / "proposals.csv"
    with open(source, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "text"])
        writer.writerow(["p1", "以降低侵权损失为核心的专利保险机制"])
        writer.writerow(["p2", "建立以降低企业侵权损失为核心的专利保险机制"])
        writer.writerow(["p3", "国税地税联合办税"])
    result = run("pairs", str(source))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["a"], r["b"]) for r in rows] == [("p1", "p2")]
    assert 0.5 <= float(rows[0]["score"]) <= 1.0
    assert "专利" in rows[0]["terms"].split("|")


def test_pairs_refuses_a_csv_without_id_and_text(tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("name,body\nx,y\n", encoding="utf-8")
    result = run("pairs", str(source))
    assert result.returncode == 2
    assert "id and text" in result.stderr
