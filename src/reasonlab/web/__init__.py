"""``reasonlab serve``: a web lab over the same library functions as the CLI -- the runs under
some folders (configs, curves, eval summaries), and a boolean-world playground where the model
answers beside the rules, with attention and head ablation for the input on screen.

FastHTML with htmx vendored in ``static/`` (no CDN: it works with the network off), figures as
inline matplotlib SVG, bound to 127.0.0.1 by default. Each model is loaded once and used under
its own lock (hooks are installed per request and removed in ``finally``).
"""
