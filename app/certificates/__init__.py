"""Certificates: issued on completion, printed as PDF, verifiable as Open Badges 3.0."""
