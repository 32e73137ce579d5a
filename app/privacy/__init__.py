"""Data rights: everything Aula holds about a person, downloaded or erased, asked of each domain in turn (docs/privacy.md)."""
