"""Typed, immutable views of parsed files that rules read. Standard library only."""
