"""Document numbers (发文字号): their format, and taking one so that no other document has it.

A number reads 代字〔年份〕顺序号号, e.g. 发改高技〔2021〕484号 (GB/T 9704-2012 7.2.4: the year
in full within the hexagonal brackets 〔〕, the serial number in Arabic digits with no leading
zero and no 第, followed by 号). One agency code numbers a year's documents once, whatever they
are: the annual list published here and the task notices of claims both take their numbers
from `DocumentNumber`, whose unique constraint is the last word when two offices race for one.

These are helpers of the services that publish a list or issue a notice, which check the
rights and lock what they change before calling them.
"""

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lists.errors import ListError
from lists.models import DocumentNumber

FORMAT = re.compile(r"(?P<code>[^\s〔〕\[\]【】]+)〔(?P<year>\d{4})〕(?P<serial>[1-9]\d*)号")
Use = DocumentNumber.Use


@dataclass(frozen=True)
class Number:
    code: str
    year: int
    serial: int

    def __str__(self) -> str:
        return f"{self.code}〔{self.year}〕{self.serial}号"


def format_message(text: str) -> str:
    return _(
        "“%(number)s” is not a document number (发文字号) as GB/T 9704 writes it: the agency "
        "code, the year in full within 〔〕 and the serial number without leading zeros, "
        "followed by 号, for example 发改高技〔2027〕12号."
    ) % {"number": text}


def parse(text: str) -> Number:
    """The parts of a document number, or ListError saying how one is written."""
    found = FORMAT.fullmatch(text.strip())
    if found is None:
        raise ListError(format_message(text.strip()))
    return Number(found["code"], int(found["year"]), int(found["serial"]))


def taken_message(taken: DocumentNumber) -> str:
    return _("The document number %(number)s is already used by %(use)s “%(holder)s”.") % {
        "number": taken.text,
        "use": taken.get_use_display(),
        "holder": taken.holder,
    }


def _taken(number: Number) -> DocumentNumber | None:
    return DocumentNumber.objects.filter(
        code=number.code, year=number.year, serial=number.serial
    ).first()


def take(text: str, *, use: str, object_id: int, holder: str) -> DocumentNumber:
    """Register `text` as the number of the list version or notice `object_id`, or ListError
    when it is malformed or another document has it (checked first for the message; the
    unique constraint refuses it all the same when another transaction took it meanwhile)."""
    number = parse(text)
    taken = _taken(number)
    if taken is not None:
        raise ListError(taken_message(taken))
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable
            return DocumentNumber.objects.create(
                code=number.code,
                year=number.year,
                serial=number.serial,
                text=str(number),
                use=use,
                object_id=object_id,
                holder=holder[:300],
            )
    except IntegrityError:
        taken = _taken(number)
        if taken is None:  # the holder already had a number: a service bug, not the user's
            raise
        raise ListError(taken_message(taken)) from None


def release(*, use: str, object_id: int) -> None:
    """Free the number a notice held, when it is corrected to another."""
    DocumentNumber.objects.filter(use=use, object_id=object_id).delete()
