"""The seeded generator of a realistic demo organization (`orgflow demo`)."""

from orgflow.demo.generator import DEFAULT_END, DemoSummary, build_demo

__all__ = ["DEFAULT_END", "DemoSummary", "build_demo"]
