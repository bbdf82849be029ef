"""Sandbox mode: the real app wired to the built-in stand-ins, with a terminal console for a person."""
