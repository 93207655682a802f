"""The rows of one parent (a task's milestones, a measure's adoption records…) are read without
joining the parent's own ordering: each child model orders by the parent's column
(`task_id`), not by the relation (`task`), which followed Task's ordering into seven joins."""

import pytest
from django.apps import apps

CHILDREN = [
    ("tasks", "Milestone", "task_id", "tasks_task", 1),
    ("tasks", "Target", "task_id", "tasks_task", 1),
    ("tasks", "ProgressReport", "task_id", "tasks_task", 1),
    ("tasks", "Implementer", "task_id", "tasks_task", 1),
    # By region and item: the task, its claimant, division, claim and item, nothing more.
    ("evaluation", "TaskEvaluation", "commission_id", "evaluation_commission", 5),
    ("evaluation", "Score", "evaluation_id", "evaluation_taskevaluation", 1),
    ("lists", "ListItem", "version_id", "lists_listversion", 1),
    ("promotion", "AdoptionRecord", "measure_id", "promotion_promotedmeasure", 1),
]


@pytest.mark.parametrize(("app", "model", "parent", "parent_table", "joins"), CHILDREN)
def test_one_parent_s_rows_need_no_join_to_be_ordered(app, model, parent, parent_table, joins):
    query = str(apps.get_model(app, model).objects.filter(**{parent: 1}).query)
    assert f'"{parent}"' in query.split("ORDER BY", 1)[1].split(",")[0]
    # Neither the parent's table nor the tables of the parent's own ordering.
    assert f'JOIN "{parent_table}"' not in query
    assert query.count("JOIN") <= joins
