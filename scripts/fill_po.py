"""Fill a gettext .po file from a msgid -> msgstr JSON (tiny parser, no polib).

Usage, after `manage.py makemessages -l zh_Hans ...`:
    python scripts/fill_po.py locale/zh_Hans/LC_MESSAGES/django.po new.json
Entries not in the JSON keep their translation; fuzzy guesses are blanked so the
translation tests catch them.
"""

import json
import re
import sys

HEADER = {
    "Project-Id-Version": "jiebang 0.1.0",
    "Last-Translator": "Jiebang translators",
    "Language-Team": "Simplified Chinese",
    "Language": "zh_Hans",
    "Content-Type": "text/plain; charset=UTF-8",
    "Plural-Forms": "nplurals=1; plural=0;",
}


def unquote(s: str) -> str:
    s = s.strip()
    assert s.startswith('"') and s.endswith('"'), s
    body = s[1:-1]
    return re.sub(
        r"\\(.)", lambda m: {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}[m.group(1)], body
    )


def quote(s: str) -> str:
    return (
        '"'
        + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        + '"'
    )


def parse_block(lines: list[str]) -> tuple[list[str], dict[str, str]]:
    comments, fields, order = [], {}, []
    current = None
    for line in lines:
        if line.startswith("#"):
            comments.append(line)
            continue
        m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$', line)
        if m:
            current = m.group(1)
            fields[current] = unquote(m.group(2))
            order.append(current)
        elif line.startswith('"'):
            fields[current] += unquote(line)
        else:
            raise ValueError(line)
    return comments, fields


def main(po_path: str, translations_path: str) -> None:
    with open(translations_path, encoding="utf-8") as f:
        translations = json.load(f)
    with open(po_path, encoding="utf-8") as f:
        text = f.read()
    blocks = [b for b in text.strip("\n").split("\n\n")]
    out, missing, count = [], [], 0
    for block in blocks:
        comments, fields = parse_block(block.splitlines())
        # Drop fuzzy flags and previous-msgid lines left by msgmerge.
        new_comments = []
        was_fuzzy = any(c.startswith("#,") and "fuzzy" in c for c in comments)
        for c in comments:
            if c.startswith("#|"):
                continue
            if c.startswith("#,"):
                flags = [f.strip() for f in c[2:].split(",") if f.strip() and f.strip() != "fuzzy"]
                if not flags:
                    continue
                c = "#, " + ", ".join(flags)
            new_comments.append(c)
        msgid = fields.get("msgid", "")
        if msgid == "":
            headers = {}
            for line in fields["msgstr"].split("\n"):
                if ":" in line:
                    k, v = line.split(":", 1)
                    headers[k.strip()] = v.strip()
            headers.update(HEADER)
            headers.setdefault("PO-Revision-Date", headers.get("POT-Creation-Date", ""))
            if headers.get("PO-Revision-Date", "").startswith("YEAR"):
                headers["PO-Revision-Date"] = headers.get("POT-Creation-Date", "")
            body = "".join(f"{k}: {v}\n" for k, v in headers.items())
            new_comments = [c for c in new_comments if not c.startswith("#, ")]
            lines = [
                "# Simplified Chinese (zh_Hans) translation of Jiebang.",
                "# This file is distributed under the same license as the jiebang package.",
                "#",
            ]
            lines += ['msgid ""', 'msgstr ""'] + [quote(line + "\n") for line in body.splitlines()]
            out.append("\n".join(lines))
            continue
        count += 1
        key = msgid if "msgid_plural" not in fields else msgid + "\x00" + fields["msgid_plural"]
        value = translations.get(key)
        if value is None:
            missing.append(key)
            # keep whatever msgmerge had, unless it was only a fuzzy guess
            if was_fuzzy:
                value = ""
            elif "msgid_plural" in fields:
                value = fields.get("msgstr[0]", "")
            else:
                value = fields.get("msgstr", "")
        lines = list(new_comments)
        if "msgctxt" in fields:
            lines.append("msgctxt " + quote(fields["msgctxt"]))
        lines.append("msgid " + quote(msgid))
        if "msgid_plural" in fields:
            lines.append("msgid_plural " + quote(fields["msgid_plural"]))
            lines.append("msgstr[0] " + quote(value))
        else:
            lines.append("msgstr " + quote(value))
        out.append("\n".join(lines))
    with open(po_path, "w", encoding="utf-8") as f:
        f.write("\n\n".join(out) + "\n")
    print(f"{count} entries; {len(missing)} missing")
    for m in missing:
        print("MISSING:", repr(m))


if __name__ == "__main__":
    main(*sys.argv[1:])
