"""Billing: the partner's billing details, its licenses' monthly totals, and buying more seats.

Above licenses in the apps' stack (partners ← licenses ← billing): it reads the licenses' terms and
grows a license's commitment through the licenses services; licenses never imports it.
"""
