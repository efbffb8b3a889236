"""Rules of this family; each module holds one rule (docs, metadata, check)."""
