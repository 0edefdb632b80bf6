"""Drivers that serve an implementation over the stdio protocol (docs/driver-protocol.md)."""
