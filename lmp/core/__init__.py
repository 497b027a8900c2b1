"""The shared kernel: modules every app may use; it imports no app."""
