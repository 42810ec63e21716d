//! Unit tests of step hashing.
