"""Small workflow configs the hand-built histories of several test modules share."""

SMALL_BOARD = """\
workflows:
  - name: board
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Backlog]}
      - {name: Doing, phase: Create, category: active, statuses: [In Progress]}
      - {name: Review, phase: Create, category: active, statuses: [Review]}
      - {name: Done, phase: Operate, category: done, statuses: [Done]}
"""
"""Backlog → Doing (status In Progress) → Review → Done, one workflow for every project."""
