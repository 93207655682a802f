"""Loading the promoted batches and their measures from data/ (like regions.reference).

data/batch_notices.csv holds one row per notice (国办发〔2017〕80号, 〔2018〕126号, 〔2020〕3号);
data/batches.csv one row per measure slot (13 + 23 + 20), its title empty where no source
gives it. Every row names its source (data/sources.csv). The notes shown to users (dates, scope,
how an origin is known) are the `_zh` columns: the Chinese of the English research notes
kept beside them for whoever maintains the data. Run by the demo and by the tests that
need it, not by a migration: loaded everywhere, the promoted titles would also warn about the
drafts other stages' tests make from those very titles.
"""

import datetime

from django.db import transaction

from promotion.models import PromotedMeasure, PromotionBatch
from regions.reference import data_rows


def _date(value: str) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value.strip() else None


@transaction.atomic
def load_promotion() -> int:
    """Create or bring up to date the batches and measures; safe to run again. Returns how many
    measure slots the data holds."""
    batches = {}
    for row in data_rows("batch_notices.csv"):
        batch, _created = PromotionBatch.objects.update_or_create(
            number=int(row["batch"]),
            defaults={
                "doc_number": row["doc_no"],
                "title": row["notice_title"],
                "issued_on": _date(row["issued_on"]),
                "published_on": _date(row["published_on"]),
                "dates_note": row["dates_note_zh"],
                "measure_count": int(row["total_measures"]),
                "scope_note": row["scope_note_zh"],
                "source": row["source"],
            },
        )
        batches[batch.number] = batch
    rows = data_rows("batches.csv")
    scopes = set(PromotedMeasure.Scope.values)
    for row in rows:
        scope = row["scope"] if row["scope"] in scopes else PromotedMeasure.Scope.UNVERIFIED
        PromotedMeasure.objects.update_or_create(
            batch=batches[int(row["batch"])],
            position=int(row["index"]),
            defaults={
                "title": row["title"],
                "field": "" if row["category"] == "unverified" else row["category"],
                "scope": scope,
                "origin": row["origin_region"],
                "origin_basis": row["origin_basis_zh"],
                "source": row["source"],
                "title_status": row["title_status"],
            },
        )
    return len(rows)
