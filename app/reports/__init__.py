"""Reviewer reports: dashboards, drill-downs and exports over an organisation subtree."""
