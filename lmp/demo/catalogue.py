"""The appliance catalogue's demo entries; staff keep the real one in the admin."""

from __future__ import annotations

from shipping.choices import FormFactor, SiteSize
from shipping.models import Appliance

# The demo catalogue. A fully virtual deployment needs no appliance, so it is not listed here.
CATALOGUE = [
    dict(
        name="NS-100 Desktop Sensor",
        form_factor=FormFactor.DESKTOP,
        site_size=SiteSize.SMALL,
        throughput="Up to 250 Mbps",
        sort_order=10,
        description="Fanless desktop sensor for branch offices and small sites (up to ~50 users).",
    ),
    dict(
        name="NS-1000 Rack Sensor",
        form_factor=FormFactor.RACK_1U,
        site_size=SiteSize.MEDIUM,
        throughput="Up to 1 Gbps",
        sort_order=20,
        description="1U sensor for a mid-size site's core switch (roughly 50–500 users).",
    ),
    dict(
        name="NS-4000 High-Throughput Sensor",
        form_factor=FormFactor.RACK_1U,
        site_size=SiteSize.LARGE,
        throughput="Up to 5 Gbps",
        sort_order=30,
        description="1U sensor with 10G SFP+ capture ports for large sites and campuses.",
    ),
    dict(
        name="NS-10G Data Centre Sensor",
        form_factor=FormFactor.RACK_2U,
        site_size=SiteSize.LARGE,
        throughput="Up to 10 Gbps",
        sort_order=40,
        description="2U high-throughput sensor for data centres and head offices.",
    ),
]


# The entries' Canadian French text (django-modeltranslation's ``<field>_fr_ca`` columns:
# shipping/translation.py). The model numbers stay; the words around them are French.
FRENCH = {
    "NS-100 Desktop Sensor": dict(
        name="Capteur de bureau NS-100",
        throughput="Jusqu'à 250 Mbit/s",
        description="Capteur de bureau sans ventilateur pour les succursales et les petits sites "
        "(jusqu'à environ 50 utilisateurs).",
    ),
    "NS-1000 Rack Sensor": dict(
        name="Capteur en baie NS-1000",
        throughput="Jusqu'à 1 Gbit/s",
        description="Capteur 1U pour le commutateur principal d'un site de taille moyenne "
        "(environ 50 à 500 utilisateurs).",
    ),
    "NS-4000 High-Throughput Sensor": dict(
        name="Capteur à haut débit NS-4000",
        throughput="Jusqu'à 5 Gbit/s",
        description="Capteur 1U avec ports de capture SFP+ 10G pour les grands sites et les "
        "campus.",
    ),
    "NS-10G Data Centre Sensor": dict(
        name="Capteur de centre de données NS-10G",
        throughput="Jusqu'à 10 Gbit/s",
        description="Capteur 2U à haut débit pour les centres de données et les sièges sociaux.",
    ),
}


# The catalogue's fields kept in both languages (shipping/translation.py).
FRENCH_FIELDS = ("name", "description", "throughput")


def catalogue_seed() -> int:
    """Add the demo appliance models that are missing, and the French text of those that have
    none yet (edits made in the admin are kept). Looked up by the English name: ``name`` alone
    would follow the active language."""
    created = 0
    for spec in CATALOGUE:
        english = {f"{key}_en" if key in FRENCH_FIELDS else key: v for key, v in spec.items()}
        french = {f"{key}_fr_ca": v for key, v in FRENCH[spec["name"]].items()}
        appliance, was_created = Appliance.objects.get_or_create(
            name_en=spec["name"], defaults={**english, **french}
        )
        created += was_created
        blank = {key: v for key, v in french.items() if not getattr(appliance, key)}
        if blank:
            Appliance.objects.filter(pk=appliance.pk).update(**blank)
    return created
