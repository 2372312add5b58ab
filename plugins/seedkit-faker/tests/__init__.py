"""Tests of seedkit-faker (a package, so its conftest does not shadow seedkit's own)."""
