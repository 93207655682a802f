from django.utils.translation import gettext

from merging.known import KnownMeasure
from promotion.models import PromotedMeasure, PromotionBatch

# A title cut off this short in its source ('建立银行跟……') says too little to compare.
MIN_CUT_TITLE = 8


def promoted_where(batch: PromotionBatch) -> str:
    """How the drafting warning names the batch a measure was promoted in."""
    return gettext("already promoted in the %(batch)s (%(doc_number)s)") % {
        "batch": batch.ordinal(),
        "doc_number": batch.doc_number,
    }


def promoted_measures() -> list[KnownMeasure]:
    """Every promoted measure with a title, for the drafting warning (merging.known)."""
    measures = (
        PromotedMeasure.objects.exclude(title="")
        .select_related("batch")
        .order_by("batch__number", "position")
    )
    known = []
    for measure in measures:
        cut = measure.title_status == PromotedMeasure.TitleStatus.TRUNCATED
        if cut and len(measure.title.rstrip("…")) < MIN_CUT_TITLE:
            continue
        known.append(KnownMeasure(measure.title, promoted_where(measure.batch), ""))
    return known
