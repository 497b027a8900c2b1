"""LMP, the License Management Portal: the project's wiring, its kernel and most of its apps.

Where a module goes (``tests/project/test_app_layers.py`` holds the code to it):

- ``lmp/`` itself is the project wiring, above every app: settings, URLs, WSGI, the error views,
  the middleware, the date formats (``lmp/formats/``) and the static bundle finder. It may import
  anything; no app imports it (settings are read through ``django.conf``).
- ``lmp/core/`` is the shared kernel: the attempt queue every retried send uses
  (``attempts.py``), the worker that runs them (``worker.py``) and the client address
  (``client_ip.py``). Any app may use it; it imports no app.
- Each app is a package with an ``apps.py`` and a place in the app stack. Bottom first: outbox;
  partners; accounts, shipping, webhooks; licenses; billing, onboarding; api and demo (the demo
  data: ``manage.py seed_demo``, ``manage.py demo_totp``, the appliance catalogue's demo
  entries). An app uses only apps below it, and the test lists exactly which ones. The apps under
  ``lmp/`` (outbox, partners, accounts, webhooks, billing, api, demo) and those at the top level
  of the repository (licenses, shipping, onboarding) differ only in their folder.

A new feature goes into the app whose data it reads and writes; a new app takes the layer above
the highest app it uses. E-mail is sent only through the outbox (``lmp.outbox.services
.email_enqueue``), at the bottom of the stack so every app may use it: it writes the outbox's
model, so it is not kernel code.
"""
