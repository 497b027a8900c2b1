"""The Billing page: the partner's billing details and each of its licenses' monthly totals.

Above licenses in the apps' stack (it reads the licenses' terms); it has no models of its own.
"""
