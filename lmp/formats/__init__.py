"""The portal's date formats, by language (Django's FORMAT_MODULE_PATH): one place for them."""
