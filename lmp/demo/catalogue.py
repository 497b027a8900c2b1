"""The appliance catalogue's demo entries; staff keep the real one in the admin."""

from __future__ import annotations

from shipping.choices import FormFactor, SiteSize
from shipping.models import Appliance

# The demo catalogue, in English and Canadian French (django-modeltranslation's columns:
# shipping/translation.py; the model numbers stay, the words around them are French). A fully
# virtual deployment needs no appliance, so it is not listed here.
CATALOGUE = [
    dict(
        name_en="NS-100 Desktop Sensor",
        name_fr_ca="Capteur de bureau NS-100",
        form_factor=FormFactor.DESKTOP,
        site_size=SiteSize.SMALL,
        throughput_en="Up to 250 Mbps",
        throughput_fr_ca="Jusqu'à 250 Mbit/s",
        sort_order=10,
        description_en=(
            "Fanless desktop sensor for branch offices and small sites (up to ~50 users)."
        ),
        description_fr_ca=(
            "Capteur de bureau sans ventilateur pour les succursales et les petits "
            "sites (jusqu'à environ 50 utilisateurs)."
        ),
    ),
    dict(
        name_en="NS-1000 Rack Sensor",
        name_fr_ca="Capteur en baie NS-1000",
        form_factor=FormFactor.RACK_1U,
        site_size=SiteSize.MEDIUM,
        throughput_en="Up to 1 Gbps",
        throughput_fr_ca="Jusqu'à 1 Gbit/s",
        sort_order=20,
        description_en="1U sensor for a mid-size site's core switch (roughly 50–500 users).",
        description_fr_ca=(
            "Capteur 1U pour le commutateur principal d'un site de taille moyenne "
            "(environ 50 à 500 utilisateurs)."
        ),
    ),
    dict(
        name_en="NS-4000 High-Throughput Sensor",
        name_fr_ca="Capteur à haut débit NS-4000",
        form_factor=FormFactor.RACK_1U,
        site_size=SiteSize.LARGE,
        throughput_en="Up to 5 Gbps",
        throughput_fr_ca="Jusqu'à 5 Gbit/s",
        sort_order=30,
        description_en="1U sensor with 10G SFP+ capture ports for large sites and campuses.",
        description_fr_ca=(
            "Capteur 1U avec ports de capture SFP+ 10G pour les grands sites et les campus."
        ),
    ),
    dict(
        name_en="NS-10G Data Centre Sensor",
        name_fr_ca="Capteur de centre de données NS-10G",
        form_factor=FormFactor.RACK_2U,
        site_size=SiteSize.LARGE,
        throughput_en="Up to 10 Gbps",
        throughput_fr_ca="Jusqu'à 10 Gbit/s",
        sort_order=40,
        description_en="2U high-throughput sensor for data centres and head offices.",
        description_fr_ca=(
            "Capteur 2U à haut débit pour les centres de données et les sièges sociaux."
        ),
    ),
]


def catalogue_seed() -> int:
    """Add the demo appliance models that are missing, and the French text of those that have
    none yet (edits made in the admin are kept). Looked up by the English name: ``name`` alone
    would follow the active language."""
    created = 0
    for spec in CATALOGUE:
        appliance, was_created = Appliance.objects.get_or_create(
            name_en=spec["name_en"], defaults=spec
        )
        created += was_created
        french = {key: v for key, v in spec.items() if key.endswith("_fr_ca")}
        blank = {key: v for key, v in french.items() if not getattr(appliance, key)}
        if blank:
            Appliance.objects.filter(pk=appliance.pk).update(**blank)
    return created
