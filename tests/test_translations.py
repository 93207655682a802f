"""The Simplified Chinese catalog is complete, keeps its placeholders, and is what pages show.

The .po file is read with a small parser of our own (polib is not a dependency).
"""

import ast
import contextlib
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from tests.conftest import client_for

PO_PATH = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

# %(name)s-style and bare %s/%d placeholders, and {name}-style ones.
PLACEHOLDER = re.compile(
    r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[-#0 +]*\d*(?:\.\d+)?[sdif]|\{[\w.]*\}"
)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$")


@dataclass
class Entry:
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    obsolete: bool = False
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def msgstrs(self) -> list[str]:
        return [value for key, value in self.fields.items() if key.startswith("msgstr")]

    @property
    def where(self) -> str:
        return f"{self.msgid!r} ({' '.join(self.references) or 'no reference'})"


def _unquote(text: str) -> str:
    # PO strings use C escapes, which a Python string literal reads the same way.
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry, current = Entry(), None
        for line in block.strip().splitlines():
            if line.startswith("#~"):
                entry.obsolete = True
            elif line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            elif line.startswith("#:"):
                entry.references.extend(line[2:].split())
            elif line.startswith("#"):
                continue
            elif match := KEYWORD.match(line):
                current = match.group(1)
                entry.fields[current] = _unquote(match.group(2))
            elif line.startswith('"') and current:
                entry.fields[current] += _unquote(line)
            else:
                raise AssertionError(f"unexpected line in {path.name}: {line!r}")
        if entry.fields or entry.obsolete:
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def catalog() -> list[Entry]:
    entries = parse_po(PO_PATH)
    assert entries, f"{PO_PATH} has no entries"
    return entries


def messages(catalog: list[Entry]) -> list[Entry]:
    return [entry for entry in catalog if entry.msgid and not entry.obsolete]


def test_header_declares_chinese_with_one_plural_form(catalog):
    header = next(entry for entry in catalog if entry.msgid == "")
    text = header.fields["msgstr"]
    assert "Language: zh_Hans\n" in text
    assert "charset=UTF-8" in text
    assert "Plural-Forms: nplurals=1; plural=0;\n" in text
    assert "fuzzy" not in header.flags


def test_every_entry_is_translated_and_not_fuzzy(catalog):
    entries = messages(catalog)
    assert len(entries) > 100
    fuzzy = [entry.where for entry in entries if "fuzzy" in entry.flags]
    untranslated = [
        entry.where for entry in entries if not all(value.strip() for value in entry.msgstrs)
    ]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    assert not untranslated, f"untranslated entries: {untranslated}"


def test_plural_entries_have_exactly_one_form(catalog):
    for entry in messages(catalog):
        if "msgid_plural" in entry.fields:
            assert list(k for k in entry.fields if k.startswith("msgstr")) == ["msgstr[0]"], (
                entry.where
            )


def test_translations_keep_every_placeholder(catalog):
    problems = []
    for entry in messages(catalog):
        wanted = set(PLACEHOLDER.findall(entry.msgid))
        wanted |= set(PLACEHOLDER.findall(entry.fields.get("msgid_plural", "")))
        for value in entry.msgstrs:
            have = set(PLACEHOLDER.findall(value))
            if have != wanted:
                problems.append(f"{entry.where}: expected {sorted(wanted)}, got {sorted(have)}")
    assert not problems, "\n".join(problems)


# msgids whose right translation has no Chinese character (product names, codes).
LATIN_TRANSLATIONS: set[str] = set()


def test_translations_are_chinese(catalog):
    latin_only = [
        entry.where
        for entry in messages(catalog)
        if entry.msgid not in LATIN_TRANSLATIONS
        and not any(CJK.search(value) for value in entry.msgstrs)
    ]
    assert not latin_only, f"translations without Chinese: {latin_only}"


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="gettext's msgfmt is not installed")
def test_msgfmt_accepts_the_catalog():
    result = subprocess.run(  # noqa: S603 - fixed arguments
        ["msgfmt", "--check", "-o", "/dev/null", str(PO_PATH)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_compiled_catalog_is_used():
    with translation.override("zh-hans"):
        assert translation.gettext("Proposals") == "建议书"
        assert translation.ngettext("%(n)s item", "%(n)s items", 3) % {"n": 3} == "共3条"
    with translation.override("en"):
        assert translation.gettext("Proposals") == "Proposals"


def _nav(html: str) -> str:
    match = re.search(r"<nav aria-label=[^>]*>(.*?)</nav>", html, re.S)
    assert match, "the page has no main navigation"
    return match.group(1)


NAV_ZH = ["首页", "征集选题", "改革建议", "建议书"]
NAV_EN = ["Home", "Cycles", "Suggestions", "Proposals"]


def test_pages_are_chinese_by_default_and_english_after_switching(users):
    client = client_for(users["sichuan"])

    html = client.get("/").content.decode()
    nav = _nav(html)
    assert '<html lang="zh-CN">' in html
    for label in NAV_ZH:
        assert f">{label}</a>" in nav, label
    assert "退出登录" in html
    assert "Proposals" not in nav
    assert "Log out" not in html

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302

    html = client.get("/").content.decode()
    nav = _nav(html)
    assert '<html lang="en">' in html
    for label in NAV_EN:
        assert f">{label}</a>" in nav, label
    assert not CJK.search(nav), f"Chinese left in the English navigation: {nav}"
    for label in ["退出登录", "密码", "揭榜", "切换", "地方协调员"]:
        assert label not in html, label
    assert "Log out" in html
    assert "locality coordinator" in html

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert ">建议书</a>" in _nav(client.get("/").content.decode())


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext's xgettext")
def test_every_marked_string_in_the_code_is_in_the_catalog(tmp_path):
    """A string marked for translation but missing from the .po would show English in the
    Chinese interface. makemessages runs on the real tree; the catalog is then restored."""
    from django.core.management import call_command

    backup = tmp_path / "django.po"
    shutil.copy2(PO_PATH, backup)
    try:
        with contextlib.chdir(settings.BASE_DIR):
            call_command(
                "makemessages",
                locale=["zh_Hans"],
                ignore_patterns=[".venv", "node_modules", "test-artifacts", "tests"],
                no_obsolete=True,
                verbosity=0,
            )
        fresh = {e.msgid for e in parse_po(PO_PATH) if e.msgid}
    finally:
        shutil.copy2(backup, PO_PATH)
    known = {e.msgid for e in parse_po(PO_PATH) if e.msgid}
    assert sorted(fresh - known) == []
