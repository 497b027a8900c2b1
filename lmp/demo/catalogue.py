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


# The entries' Canadian French text, for the catalogue's French fields (django-modeltranslation's
# ``<field>_fr_ca``) where the Appliance model has them; names are product names, the same.
FRENCH = {
    "NS-100 Desktop Sensor": dict(
        throughput="Jusqu'à 250 Mbit/s",
        description="Capteur de bureau sans ventilateur pour les succursales et les petits sites "
        "(jusqu'à environ 50 utilisateurs).",
    ),
    "NS-1000 Rack Sensor": dict(
        throughput="Jusqu'à 1 Gbit/s",
        description="Capteur 1U pour le commutateur principal d'un site de taille moyenne "
        "(environ 50 à 500 utilisateurs).",
    ),
    "NS-4000 High-Throughput Sensor": dict(
        throughput="Jusqu'à 5 Gbit/s",
        description="Capteur 1U avec ports de capture SFP+ 10G pour les grands sites et les "
        "campus.",
    ),
    "NS-10G Data Centre Sensor": dict(
        throughput="Jusqu'à 10 Gbit/s",
        description="Capteur 2U à haut débit pour les centres de données et les sièges sociaux.",
    ),
}


def _french(name: str) -> dict:
    """The French fields of an entry that the Appliance model has (none without them)."""
    fields = {f.name for f in Appliance._meta.get_fields()}
    french = {f"{key}_fr_ca": value for key, value in FRENCH.get(name, {}).items()}
    return {key: value for key, value in french.items() if key in fields}


def catalogue_seed() -> int:
    """Add the demo appliance models that are missing (edits made in the admin are kept)."""
    created = 0
    for spec in CATALOGUE:
        defaults = {k: v for k, v in spec.items() if k != "name"} | _french(spec["name"])
        _, was_created = Appliance.objects.get_or_create(name=spec["name"], defaults=defaults)
        created += was_created
    return created
