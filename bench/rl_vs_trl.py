"""GRPO step speed: reasonlab vs TRL's GRPOTrainer, and ours vs the floor of the same work.

Setup (both engines, same run): the causal-experiment-size GPT-2 (128 dims, 4 layers, 4 heads)
on our character tokenizer, warmed up by SFT on the boolean world so that completions are real (~16
tokens: "\\n1,1,0,1\\n2 - 3\\n" + EOS); 8 prompts x 8 rollouts = 64 completions of at most 16 new
tokens per step, temperature 1, GRPO advantages (std-normalised per group), PPO clip 0.2, no KL,
token-mean loss (TRL ``loss_type="dapo"``, its default, is the token mean in one process), one
update per rollout batch, AdamW lr 1e-4, fp32 on the CPU, no gradient checkpointing.

* anchor: ``trl.GRPOTrainer`` with our verifier as its reward function; seconds per step from a
  callback (on_step_begin -> on_step_end), after ``--warmup`` steps;
* ours: ``reasonlab.train.rl.train_rl``; seconds per step and its split (sampling / scoring /
  update) from the run's metrics, after the same warm-up;
* floor: the model calls the step cannot avoid, timed bare on the same model: the prompt
  forward + 15 cached single-token forwards for the 64 rows (sampling), plus one forward and
  backward over the 64 full sequences (update).

Reports completions per second for both engines (median step), the ratio (goal: ours >= 2x TRL)
and our step over the floor (goal: <= 1.5).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import torch

from reasonlab.config import validate
from reasonlab.data.sources import DataConfig, load_data
from reasonlab.models import load_pretrained
from reasonlab.models.encoding import left_pad
from reasonlab.tasks import get_task
from reasonlab.train import rundir
from reasonlab.train.rl import RLConfig, train_rl
from reasonlab.train.sft import SFTConfig, train_sft

TASK = {"task": "boolean_world", "seed": 42, "omit": "1,0,1,0,1",
        "sizes": {"train": 4000, "dev": 200, "test": 40}}
PROMPTS, N, NEW = 8, 8, 16
GOAL_TRL, GOAL_FLOOR = 2.0, 1.5


def warm_policy(root: Path, device: str = "cpu") -> Path:
    cfg = validate(SFTConfig, {"name": "warm", "run_dir": str(root), "seed": 0, "data": {"task": TASK},
                               "device": device, "precision": "fp32",
                               "model": {"n_embd": 128, "n_layer": 4, "n_head": 4, "n_positions": 64},
                               "batch_size": 16, "max_steps": 200, "eval_every": 1000,
                               "optim": {"lr": 5e-4, "warmup_steps": 20}})
    return train_sft(cfg, progress=False) / "final"


def run_ours(init: Path, steps: int, warmup: int, root: Path, device: str) -> dict[str, float]:
    cfg = validate(RLConfig, {
        "name": "ours", "run_dir": str(root), "seed": 0, "init": str(init), "data": {"task": TASK},
        "device": device, "precision": "fp32",
        "rollout": {"prompts_per_step": PROMPTS, "n": N, "max_new_tokens": NEW},
        "steps": steps, "optim": {"lr": 1e-4}, "eval_every": 10**6, "save_every": 10**6,
        "algorithm": {"advantage": "grpo", "policy_loss": "ppo_clip", "aggregation": "token-mean"}})
    run = train_rl(cfg, progress=False)
    rows = rundir.RunDir(run).metrics()[warmup:-1]  # the last step also evaluates
    return {k: statistics.median(r[k] for r in rows)
            for k in ("time/step", "time/sampling", "time/scoring", "time/update", "response_length/mean")}


def run_trl(init: Path, steps: int, warmup: int, root: Path, device: str) -> float:
    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    model, tok = load_pretrained(init)
    train = load_data(DataConfig(task=TASK))[0]["train"]
    by_prompt = {tok.bos_token + e.text(): e for e in train}  # the same "<bos> prompt" as ours
    data = Dataset.from_dict({"prompt": list(by_prompt)})
    task = get_task("boolean_world")

    def reward(prompts, completions, **_):
        return [task.verify(by_prompt[p], c).reward for p, c in zip(prompts, completions, strict=True)]

    times: list[float] = []

    class Clock(TrainerCallback):
        def on_step_begin(self, args, state, control, **kw):
            self.t = time.perf_counter()

        def on_step_end(self, args, state, control, **kw):
            times.append(time.perf_counter() - self.t)

    args = GRPOConfig(output_dir=str(root / "trl"), per_device_train_batch_size=PROMPTS * N,
                      num_generations=N, max_completion_length=NEW, learning_rate=1e-4, beta=0.0,
                      epsilon=0.2, loss_type="dapo", scale_rewards="group", temperature=1.0,
                      use_cpu=device == "cpu", bf16=False, gradient_checkpointing=False, max_steps=steps,
                      logging_steps=10**9, save_strategy="no", report_to=[], disable_tqdm=True,
                      seed=0, dataloader_num_workers=0)
    GRPOTrainer(model=model, reward_funcs=reward, args=args, train_dataset=data,
                processing_class=tok, callbacks=[Clock()]).train()
    return statistics.median(times[warmup:])


def floor(init: Path, repeats: int, device: str) -> tuple[float, float]:
    """(sampling model calls, forward + backward) in seconds, best of ``repeats``."""
    model, tok = load_pretrained(init)
    model.to(device)
    prompts = load_data(DataConfig(task=TASK))[0]["train"][:PROMPTS]
    ids, _ = left_pad(tok, prompts)
    full = torch.cat([ids.repeat_interleave(N, 0), torch.randint(4, len(tok), (PROMPTS * N, NEW))], 1)
    ids, full = ids.to(device), full.to(device)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    best_s = best_u = float("inf")
    for _ in range(repeats):
        sync()
        t0 = time.perf_counter()
        with torch.no_grad():
            out = model(input_ids=ids, use_cache=True, logits_to_keep=1)
            cache = out.cache
            cache.batch_repeat_interleave(N)
            tokens = out.logits[:, -1].argmax(-1).repeat_interleave(N)[:, None]
            for _ in range(NEW - 1):
                out = model(input_ids=tokens, cache=cache, use_cache=True)
        sync()
        t1 = time.perf_counter()
        logits = model(input_ids=full, logits_to_keep=NEW + 1).logits[:, :-1]
        torch.log_softmax(logits, -1).gather(-1, full[:, -NEW:, None]).sum().backward()
        model.zero_grad(set_to_none=True)
        sync()
        t2 = time.perf_counter()
        best_s, best_u = min(best_s, t1 - t0), min(best_u, t2 - t1)
    return best_s, best_u


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                    help="where both engines and the floor run (fp32)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    rundir.logger.remove()
    from datasets import disable_progress_bars

    disable_progress_bars()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        init = warm_policy(root, args.device)
        trl = run_trl(init, args.steps, args.warmup, root, args.device)
        ours = run_ours(init, args.steps, args.warmup, root, args.device)
        sampling, update = floor(init, 10, args.device)
    step = ours["time/step"]
    print(f"{PROMPTS} prompts x {N} rollouts, <= {NEW} new tokens (ours: mean length "
          f"{ours['response_length/mean']:.1f}), median step after {args.warmup} warm-up steps")
    print(f"  TRL GRPOTrainer: {trl * 1000:7.1f} ms/step  {PROMPTS * N / trl:7.1f} completions/s")
    print(f"  reasonlab      : {step * 1000:7.1f} ms/step  {PROMPTS * N / step:7.1f} completions/s "
          f"(sampling {ours['time/sampling'] * 1000:.1f}, scoring {ours['time/scoring'] * 1000:.1f}, "
          f"update {ours['time/update'] * 1000:.1f} ms)")
    print(f"  floor          : {(sampling + update) * 1000:7.1f} ms/step (sampling model calls "
          f"{sampling * 1000:.1f}, forward+backward {update * 1000:.1f} ms)")
    print(f"RESULT rl_vs_trl ours={PROMPTS * N / step:.1f} anchor={PROMPTS * N / trl:.1f} "
          f"ratio={trl / step:.2f} goal={GOAL_TRL:g}")
    print(f"RESULT rl_vs_floor ours={step * 1000:.1f} anchor={(sampling + update) * 1000:.1f} "
          f"ratio={(sampling + update) / step:.2f} goal={1 / GOAL_FLOOR:.2f}")


if __name__ == "__main__":
    main()
