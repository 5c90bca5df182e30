"""Experiments: a research claim as a file, run as a grid of ``reasonlab`` jobs, decided with
statistics.

:mod:`.spec` reads the file (arms, seeds, shared data and warm-up stages, eval sets, claims,
profiles), :mod:`.plan` turns it into jobs with fingerprints, :mod:`.checks` validates every
job's config up front, :mod:`.runner` runs them as separate processes (resumable, in
parallel, with progress), and :mod:`.study` decides each claim from the finished runs
(:mod:`reasonlab.analysis.verdicts`) and writes ``verdict.json``, figures and ``report.html``.

Layer: above ``analysis`` and ``train`` (it reads the results of the one and validates the
configs of the other); the training itself runs in child processes.
"""

from .checks import check_jobs
from .plan import Job, RunRef, plan, results_name, run_name, runs
from .runner import Outcome, command, is_done, run_jobs
from .spec import Arm, Claim, DataStage, EvalSet, Experiment, Profile, Side, load_experiment
from .study import ClaimResult, decide, study

__all__ = [
    "Arm", "Claim", "ClaimResult", "DataStage", "EvalSet", "Experiment", "Job", "Outcome", "Profile",
    "RunRef", "Side", "check_jobs", "command", "decide", "is_done", "load_experiment", "plan",
    "results_name", "run_jobs", "run_name", "runs", "study",
]
