"""The repository itself: the app stack, static files, migrations, the demo seed, the bench, the
suite's own rules."""
