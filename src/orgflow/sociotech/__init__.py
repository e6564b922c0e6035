"""Socio-technical analysis from git history: change coupling, authorship, communication and
congruence, the cross-team dependency graph; `SocioTechService` binds them to a workspace."""
