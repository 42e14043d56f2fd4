"""Use cases: the only layer that touches the database and gateways.

Services return plain dataclasses (DTOs), never table rows, so nothing that
reaches a Reflex state can carry a password hash or a full identity number.
"""
