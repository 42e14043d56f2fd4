"""Reflex states: thin handlers that parse input, call one service and set DTO fields."""
