"""The appliance catalogue's staff-edited text in English and Canadian French (modeltranslation).

Each registered field gets one column per language (``name_en``, ``name_fr_ca``, ...); reading
``appliance.name`` gives the active language's text, falling back to English when the French one
is blank (modeltranslation's default fallback is the first of ``settings.LANGUAGES``). Staff edit
both in the admin (``shipping.admin.ApplianceAdmin``).
"""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, register

from shipping.models import Appliance


@register(Appliance)
class ApplianceTranslationOptions(TranslationOptions):
    fields = ("name", "description", "throughput")
    # A blank French name is stored as NULL, not "": the name is unique in each language, and any
    # number of models may still lack a French name.
    empty_values = {"name": None}
    # The English name is required (as the name was); French falls back to it while blank.
    required_languages = {"en": ("name",)}
