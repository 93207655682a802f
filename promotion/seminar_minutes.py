"""The minutes (纪要) of an exchange seminar (交流研讨会) as a .docx in the official document
layout (`kernel.officedoc`): title, date and batches, regions taking part, then the agenda,
the practices collected and the solutions to difficulties, each under its heading."""

from django.utils.translation import gettext as _
from docx.enum.text import WD_ALIGN_PARAGRAPH

from kernel.officedoc import (
    BODY_FONT,
    BODY_SIZE,
    HEADING_FONT,
    TITLE_FONT,
    TITLE_SIZE,
    add_blank,
    add_lines,
    add_paragraph,
    new_document,
    to_bytes,
)
from promotion.models import Seminar


def minutes_title(seminar: Seminar) -> str:
    return _("Minutes of the %(title)s") % {"title": seminar.title}


def minutes_docx(seminar: Seminar) -> bytes:
    document = new_document()
    add_paragraph(
        document,
        minutes_title(seminar),
        TITLE_FONT,
        TITLE_SIZE,
        indent=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    add_blank(document)
    batches = "、".join(str(b) for b in seminar.batches.all())
    regions = "、".join(d.name for d in seminar.regions.all()) or "—"
    date = seminar.held_on.isoformat() if seminar.held_on else "—"
    for label, value in (
        (_("Date"), date),
        (_("Batches"), batches),
        (_("Regions taking part"), regions),
    ):
        add_paragraph(document, f"{label}：{value}", BODY_FONT, BODY_SIZE)
    sections = (
        (_("Agenda"), seminar.agenda),
        (_("Practices collected"), seminar.practices),
        (_("Solutions to difficulties"), seminar.solutions),
    )
    for number, (heading, text) in enumerate(sections, start=1):
        add_paragraph(document, f"{'一二三'[number - 1]}、{heading}", HEADING_FONT, BODY_SIZE)
        add_lines(document, text or "—")
    return to_bytes(document)


def file_name(seminar: Seminar) -> str:
    day = seminar.held_on.strftime("%Y%m%d") if seminar.held_on else "undated"
    return f"seminar-{seminar.pk}-{day}.docx"
