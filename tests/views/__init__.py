"""Pages through the test client: forms, messages, bad input, the Django admin, sign-in."""
