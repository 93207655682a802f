"""A batch published on the platform never changes, in the database too (promotion migration
0003): raw SQL can neither change the batch nor add, change or move a measure of it, on SQLite
and on PostgreSQL. The reference batches (no publication on the platform) stay open to the
loader, which corrects them when data/ is corrected."""

import pytest
from django.db import IntegrityError, connection, transaction

from promotion.models import PromotionBatch
from promotion.reference import load_promotion
from promotion.services import batches as services
from tests.test_promotion_batches_drafting import confirmed, notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(users) -> PromotionBatch:
    load_promotion()
    national = users["national"]
    batch = services.batch_start(by=national)
    services.batch_add_outcomes(
        by=national, batch=batch, outcomes=[confirmed(national, "技术经理人制度")]
    )
    return services.batch_publish(by=national, batch=batch, data=notice())


def _refused(sql: str, params: list[int | str]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_published_batch_cannot_be_changed(published):
    _refused(
        "UPDATE promotion_promotionbatch SET doc_number = %s WHERE id = %s", ["改", published.pk]
    )
    _refused("UPDATE promotion_promotionbatch SET state = 'draft' WHERE id = %s", [published.pk])
    published.refresh_from_db()
    assert published.doc_number == "国办发〔2027〕5号"


def test_its_measures_cannot_be_changed_added_or_moved(published):
    measure = published.measures.get()
    _refused("UPDATE promotion_promotedmeasure SET title = %s WHERE id = %s", ["改", measure.pk])
    other = PromotionBatch.objects.get(number=1)
    _refused(
        "UPDATE promotion_promotedmeasure SET batch_id = %s, position = 99 WHERE id = %s",
        [other.pk, measure.pk],
    )
    first = other.measures.order_by("position").first()
    assert first is not None
    _refused(
        "UPDATE promotion_promotedmeasure SET batch_id = %s, position = 99 WHERE id = %s",
        [published.pk, first.pk],
    )
    _refused(
        "INSERT INTO promotion_promotedmeasure (batch_id, position, title, field, scope, origin,"
        " origin_basis, text, source, title_status) VALUES (%s, 2, '新', '', 'nationwide', '',"
        " '', '', '', 'verified')",
        [published.pk],
    )
    assert published.measures.get().title == "技术经理人制度"


def test_a_draft_and_the_reference_batches_stay_open(published, users):
    draft = services.batch_start(by=users["national"])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE promotion_promotionbatch SET title = %s WHERE id = %s", ["草稿", draft.pk]
        )
    # The loader corrects the reference batches in place.
    PromotionBatch.objects.filter(number=1).update(title="")
    load_promotion()
    assert PromotionBatch.objects.get(number=1).title
