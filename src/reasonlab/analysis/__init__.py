"""The study layer: what each model learned, and whether a difference is real.

It reads run directories (``config.yaml``, ``metrics.jsonl``) and eval result files
(``eval/<name>.jsonl``) only, never the trainer: comparison tables with statistics
(:mod:`.compare`), training curves (:mod:`.curves`), trace analysis (:mod:`.traces`),
trajectory probes (:mod:`.trajectory`) and the one-page report (:mod:`.report`).
"""
