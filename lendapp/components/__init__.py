"""Shared widgets and the borrower and staff layouts."""
