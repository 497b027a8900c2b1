"""The Django admin's URLs and forms, as vendor staff post them."""

from __future__ import annotations

from django.urls import reverse


def admin_url(obj_or_model, action: str = "changelist", *args) -> str:
    meta = obj_or_model._meta
    if action in ("change", "delete"):
        args = (obj_or_model.pk,)
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{action}", args=args)


def form_data(response) -> dict:
    """What the admin change form would post back unchanged (main form, inlines, management)."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if field.disabled or value is None or value is False:
                continue
            if isinstance(value, list | tuple):
                data[form.add_prefix(name)] = [str(v) for v in value]
            else:
                data[form.add_prefix(name)] = "on" if value is True else str(value)
    return data


def user_admin_url(user, action: str = "change") -> str:
    return reverse(f"admin:auth_user_{action}", args=[user.pk])


def staff_posts_user_form(client, user, **changes):
    """Staff open the login's User admin page and save it with ``changes`` (None: unticked)."""
    data = form_data(client.get(user_admin_url(user)))
    for name in ("date_joined", "last_login"):  # split into a date and a time on the page
        value = data.pop(name, None)
        if value:
            data[f"{name}_0"], data[f"{name}_1"] = value.split(" ")[0], value.split(" ")[1][:8]
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return client.post(user_admin_url(user), data)
