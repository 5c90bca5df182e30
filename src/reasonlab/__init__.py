"""reasonlab: exact causal reasoning problems, training and study of reasoning models."""
__version__ = "0.1.0"
