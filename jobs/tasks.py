"""The engine's tasks (django-tasks): a job's run, and the periodic runs. They carry IDs and
names only; what a job is and how it went stays in the Job table."""

from django_tasks import TaskContext, task

from jobs import periodic, services


@task()
def run_job(job_id: int) -> None:
    services.job_run(job_id=job_id)


@task(takes_context=True)
def run_periodic(context: TaskContext, name: str) -> None:
    periodic.periodic_fire(name, task_id=str(context.task_result.id))
