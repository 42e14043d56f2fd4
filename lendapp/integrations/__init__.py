"""Adapters to outside systems and primitives (SMS, field encryption), each behind a small interface."""
