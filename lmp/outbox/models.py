"""An outgoing e-mail: what is sent, to whom, and how its sending went."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lmp.outbox.choices import EmailStatus


class OutboundEmail(models.Model):
    """One e-mail, saved in the transaction of the change that causes it.

    A worker claims it (queued → sending, with a lease), sends it and marks it sent; a failure puts
    it back to queued with ``next_attempt_at`` later, or to failed after the last attempt. A row
    left in sending by a worker that stopped is claimed again once ``lease_until`` has passed.
    """

    kind = models.CharField(
        _("kind"), max_length=60, help_text=_('What the e-mail is, e.g. "invitation".')
    )
    to = models.JSONField(_("to"), default=list, help_text=_("The recipients' addresses."))
    reply_to = models.JSONField(_("reply to"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    html = models.TextField(_("HTML"), blank=True)
    about = models.CharField(
        _("about"),
        max_length=200,
        blank=True,
        help_text=_('What it concerns, e.g. "onboarding request 12".'),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EmailStatus.choices,
        default=EmailStatus.QUEUED,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        # Translators: an e-mail in admin: its kind, its recipients and its subject.
        return _("%(kind)s to %(to)s: %(subject)s") % {
            "kind": self.kind,
            "to": ", ".join(self.to),
            "subject": self.subject,
        }
