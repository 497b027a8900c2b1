"""The queue's task: a worker (``manage.py worker``) mails a password reset link."""

from __future__ import annotations

from django_tasks import task

from lmp.accounts import services


@task()
def password_reset_mail_task(email: str, domain: str, use_https: bool) -> int:
    """Mail a reset link to each active login with ``email``; how many were queued (0: none)."""
    return services.password_reset_mail(email=email, domain=domain, use_https=use_https)
