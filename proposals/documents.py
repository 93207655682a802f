"""The 建议书 as an official Word document (GB/T 9704 layout, see jiebang/officedoc.py)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from docx.enum.text import WD_ALIGN_PARAGRAPH

from kernel.officedoc import BODY_FONT, HEADING_FONT, TITLE_FONT, new_document, to_bytes
from kernel.officedoc import add_paragraph as _paragraph
from proposals.models import Proposal


def proposal_sections(proposal: Proposal) -> list[tuple[str, str]]:
    national = (
        _("Yes. Ministries concerned: %(m)s") % {"m": proposal.ministries}
        if proposal.needs_national_authority
        else _("No")
    )
    return [
        (_("Reform field"), str(proposal.field or "—")),  # a draft may lack it
        (_("Problem and pain point"), proposal.problem),
        (_("Reform content"), proposal.content),
        (_("Needs national authority"), national),
        (_("Implementing bodies"), proposal.implementing_bodies),
        (_("Expected results"), proposal.expected_results),
        (_("Quantifiable targets"), proposal.targets),
        (_("Timetable"), proposal.timetable),
        (_("Risks and fault-tolerance needs"), proposal.risks or _("None stated")),
        (_("Contact"), f"{proposal.contact_name}  {proposal.contact_phone}"),
    ]


def proposal_docx(proposal: Proposal) -> bytes:
    """One proposal as its 建议书."""
    document = new_document()
    heading = _paragraph(
        document,
        _("Comprehensive Innovation Reform Measure Proposal"),
        TITLE_FONT,
        22,
        indent=False,
    )
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title = _paragraph(document, proposal.title, TITLE_FONT, 22, indent=False)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(document, "", BODY_FONT, 16)
    _paragraph(
        document,
        _("Locality: %(loc)s    Cycle: %(cycle)s")
        % {"loc": proposal.locality.name, "cycle": proposal.cycle.title},
        BODY_FONT,
        16,
    )
    numerals = "一二三四五六七八九十"
    for index, (name, text) in enumerate(proposal_sections(proposal)):
        _paragraph(document, f"{numerals[index]}、{name}", HEADING_FONT, 16)
        for line in text.splitlines() or [""]:
            if line.strip():
                _paragraph(document, line.strip(), BODY_FONT, 16)
    date = timezone.localtime(proposal.submitted_at or proposal.updated_at)
    signature = _paragraph(
        document, f"{proposal.locality.name}\n{date:%Y年%-m月%-d日}", BODY_FONT, 16, indent=False
    )
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return to_bytes(document)
