"""Adapters for external training stacks (VeRL, TRL); they import those packages lazily."""
