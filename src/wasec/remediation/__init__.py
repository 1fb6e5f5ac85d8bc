"""Remediation: the mechanical fixes for failing findings, as edits of the user's own files (`wasec fix`)."""
