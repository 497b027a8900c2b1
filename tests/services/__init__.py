"""The services and what they cause: history, alerts, e-mails, webhooks, purchases, shipping,
exports."""
