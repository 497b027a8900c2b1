"""Performance figures for LMP, each measured against a reference in the same run (`make bench`)."""
