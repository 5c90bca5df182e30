"""The study layer: what each model learned, and whether a difference is real.

It reads run directories (``config.yaml``, ``metrics.jsonl``) and eval result files
(``eval/<name>.jsonl``) only, never the trainer: comparison tables with statistics
(:mod:`.compare`), training curves (:mod:`.curves`), rule-based trace checks (:mod:`.traces`),
trajectory probes (:mod:`.trajectory`, :mod:`.landscape`), trace labels from an LLM judge
(:mod:`.judge`, :mod:`.trace_tables`) with their agreement with human labels
(:mod:`.agreement`), and the one-page report (:mod:`.report`).
"""
