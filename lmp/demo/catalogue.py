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


def catalogue_seed() -> int:
    """Add the demo appliance models that are missing (edits made in the admin are kept)."""
    created = 0
    for spec in CATALOGUE:
        defaults = {k: v for k, v in spec.items() if k != "name"}
        _, was_created = Appliance.objects.get_or_create(name=spec["name"], defaults=defaults)
        created += was_created
    return created
