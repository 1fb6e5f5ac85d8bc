"""Secure foundations: the building blocks a team starts from (service control policy guardrails first)."""
