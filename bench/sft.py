"""SFT speed: wall seconds of training until a stable 100% exact match on all 32 inputs.

The seed's experiment (configs/boolean_sft.yaml): the causal-experiment world, 20,000 training
examples with 1,0,1,0,1 held out, a GPT-2 of 128 dims / 4 layers / 4 heads on our character
tokenizer, batch 16, AdamW lr 5e-4 with 50 warmup steps then linear decay, 3 epochs at most.

* ours: ``reasonlab.train.sft.train_sft`` on that config;
* anchor: TRL's ``SFTTrainer`` (prompt-completion dataset, completion-only loss) with the same
  model, tokenizer, batch size, learning rate and schedule, in fp32 without gradient
  checkpointing (TRL's defaults, bf16 autocast and gradient checkpointing, are ~20x slower per
  step on a CPU without bf16 units; ``--trl-defaults`` times them too).

Both are evaluated every ``--eval-every`` steps by the same greedy check of all 32 inputs (31
dev inputs + the held-out one), with the clock paused during evaluation; the time reported is
the training time at the first of ``--stable`` consecutive perfect evaluations. Median over
``--seeds`` seeds. The seed's own recipe (GPT-2 BPE tokenizer) is not run: its vocabulary only
comes from a hub download, which this project never does offline.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import torch
import yaml

from reasonlab.config import validate
from reasonlab.eval.generation import generate, score
from reasonlab.models import ModelConfig, alphabet, build_model, char_tokenizer
from reasonlab.train import rundir
from reasonlab.train.sft import SFTConfig, eval_sets, load_data, train_sft

CONFIG = Path(__file__).parents[1] / "configs" / "boolean_sft.yaml"
GOAL_TRL = 3.0


class Clock:
    """Training time with evaluation excluded; records when the stable streak began."""

    def __init__(self, stable: int) -> None:
        self.stable, self.streak, self.spent, self.paused_at = stable, 0, 0.0, None
        self.start = time.perf_counter()
        self.first_perfect: float | None = None
        self.done: float | None = None
        self.first_batch = True

    def pause(self) -> None:
        self.paused_at = time.perf_counter()

    def resume(self) -> None:
        self.spent += time.perf_counter() - self.paused_at

    def record(self, perfect: bool) -> bool:
        now = self.paused_at - self.start - self.spent
        if perfect:
            self.streak += 1
            self.first_perfect = now if self.streak == 1 else self.first_perfect
            if self.streak >= self.stable and self.done is None:
                self.done = self.first_perfect
        else:
            self.streak, self.first_perfect = 0, None
        return self.done is not None


def all_perfect(model, tok, sets) -> bool:
    for examples in sets.values():
        texts = generate(model, tok, examples, max_new_tokens=24)
        if not all(r.score.correct for r in score(examples, [t[0] for t in texts])):
            model.train()
            return False
    model.train()
    return True


def run_ours(cfg: SFTConfig, stable: int, eval_every: int) -> float:
    """Our trainer with its own evals replaced by the shared check (clock paused)."""
    import reasonlab.train.sft as sft

    clock = Clock(stable)
    sets = eval_sets(load_data(cfg.data)[0], cfg.data.max_eval)
    original = sft.evaluate_sets

    def check(model, tok, _sets, _cfg, _device):
        clock.pause()
        perfect = all_perfect(model, tok, sets)
        stop = clock.record(perfect)
        clock.resume()
        return {"eval/all/exact": 1.0 if stop else 0.0}

    original_collate = sft.collate

    def collate(*args, **kw):  # the clock starts with the first training batch
        if clock.first_batch:
            clock.start, clock.first_batch = time.perf_counter(), False
        return original_collate(*args, **kw)

    sft.evaluate_sets, sft.collate = check, collate
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run_cfg = cfg.model_copy(update={"run_dir": tmp, "eval_every": eval_every,
                                             "stop_when_perfect": 1, "save_every": 10**9})
            train_sft(run_cfg, progress=False)
    finally:
        sft.evaluate_sets, sft.collate = original, original_collate
    return clock.done if clock.done is not None else float("inf")


def run_trl(cfg: SFTConfig, stable: int, eval_every: int, defaults: bool = False) -> float:
    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import SFTConfig as TRLConfig
    from trl import SFTTrainer

    splits, _ = load_data(cfg.data)
    sets = eval_sets(splits, cfg.data.max_eval)
    texts = [t for s in splits.values() for e in s for t in (e.text(), e.completion)]
    tok = char_tokenizer(alphabet(texts))
    torch.manual_seed(cfg.seed)
    model = build_model(cfg.model if isinstance(cfg.model, ModelConfig) else ModelConfig(), tok)
    # the same token sequence as ours: <bos> prompt completion <eos>
    data = Dataset.from_dict({"prompt": [tok.bos_token + e.text() for e in splits["train"]],
                              "completion": [e.completion for e in splits["train"]]})
    clock = Clock(stable)

    class Check(TrainerCallback):
        def on_step_end(self, args, state, control, **kw):
            if state.global_step % eval_every == 0:
                clock.pause()
                if clock.record(all_perfect(kw["model"], tok, sets)):
                    control.should_training_stop = True
                clock.resume()
            return control

    with tempfile.TemporaryDirectory() as tmp:
        args = TRLConfig(output_dir=tmp, per_device_train_batch_size=cfg.batch_size,
                         learning_rate=cfg.optim.lr, lr_scheduler_type=cfg.optim.schedule,
                         warmup_steps=cfg.optim.warmup_steps, max_grad_norm=cfg.optim.grad_clip,
                         weight_decay=cfg.optim.weight_decay, num_train_epochs=cfg.epochs,
                         seed=cfg.seed, logging_steps=10**9, save_strategy="no", report_to=[],
                         completion_only_loss=True, max_length=cfg.model.n_positions,
                         dataloader_num_workers=0, disable_tqdm=True, use_cpu=True,
                         **({} if defaults else {"bf16": False, "gradient_checkpointing": False}))
        trainer = SFTTrainer(model=model, args=args, train_dataset=data, processing_class=tok,
                             callbacks=[Check()])
        clock.start = time.perf_counter()
        trainer.train()
    return clock.done if clock.done is not None else float("inf")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--stable", type=int, default=3, help="consecutive perfect evals")
    ap.add_argument("--eval-every", type=int, default=10)
    ap.add_argument("--trl-defaults", action="store_true", help="also time TRL with its own "
                    "defaults (bf16 autocast and gradient checkpointing: slow on a CPU)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    rundir.logger.remove()
    from datasets import disable_progress_bars

    disable_progress_bars()
    base = validate(SFTConfig, yaml.safe_load(CONFIG.read_text()))
    rows = []
    for seed in range(args.seeds):
        cfg = base.model_copy(update={"seed": seed})
        ours = run_ours(cfg, args.stable, args.eval_every)
        trl = run_trl(cfg, args.stable, args.eval_every)
        trl_defaults = (run_trl(cfg, args.stable, args.eval_every, defaults=True)
                        if args.trl_defaults else float("nan"))
        rows.append((seed, ours, trl, trl_defaults))
        print(f"seed {seed}: ours {ours:.1f} s, TRL SFTTrainer {trl:.1f} s (fp32, no gradient "
              f"checkpointing), TRL defaults {trl_defaults:.1f} s", flush=True)
    ours = statistics.median(r[1] for r in rows)
    trl = statistics.median(r[2] for r in rows)
    print(f"median seconds to a stable 100% on all 32 inputs: ours {ours:.1f}, TRL {trl:.1f}")
    print(f"RESULT sft_vs_trl ours={ours:.2f} anchor={trl:.2f} ratio={trl / ours:.2f} goal={GOAL_TRL:g}")
    if args.trl_defaults:
        trl_d = statistics.median(r[3] for r in rows)
        print(f"RESULT sft_vs_trl_defaults ours={ours:.2f} anchor={trl_d:.2f} ratio={trl_d / ours:.2f} "
              f"goal={GOAL_TRL:g}")
    print("RESULT sft_vs_seed_recipe skipped: the GPT-2 BPE vocabulary needs a hub download")


if __name__ == "__main__":
    main()
