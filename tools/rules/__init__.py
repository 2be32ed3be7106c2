"""Triage rules as data: severity.yaml (rubric) and routing.yaml (tiers); see docs/support-model.md."""
