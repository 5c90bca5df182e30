"""Log-probabilities of completion tokens under the policy, for the RL update and the KL term.

The LM head runs over completion positions only (``logits_to_keep``); rows whose group shares a
prompt encode that prompt once (see :func:`completion_logits`). Unpadded prompts take the plain
causal path with no attention mask to build: pads only follow EOS, and causal attention never
lets an earlier token see them (transformers' warning about that is dropped in
:mod:`reasonlab.models.hf_logging`).
"""

from __future__ import annotations

import torch


def completion_logits(model, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                      position_ids: torch.Tensor, t: int, groups: torch.Tensor | None = None
                      ) -> torch.Tensor:
    """Raw logits ``(b, T, V)`` predicting the last ``t`` tokens of each row.

    With ``groups: (b,)`` (rows of a group share their prompt), each distinct prompt is encoded
    once: its KV cache is gathered to the rows (a differentiable index, so the prompt's
    gradient is the sum over its rows, exactly as in a full forward) and the completions run on
    top of it. Otherwise one forward over the full rows; the LM head runs over the last ``t + 1``
    positions only either way.
    """
    w = input_ids.shape[1] - t
    if bool(attention_mask[:, :w].all()):
        # no left padding: pads only follow EOS, and causal attention never lets an earlier
        # token see them, so the plain causal path (no mask to build) is exact where it matters
        attention_mask = position_ids = None
    uniq, inverse = (None, None) if groups is None else torch.unique(groups, return_inverse=True)
    if uniq is None or len(uniq) == len(groups):
        out = model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                    logits_to_keep=t + 1)
        return out.logits[:, :-1]  # position W-1+j predicts completion token j
    first = torch.zeros(len(uniq), dtype=torch.long, device=groups.device)
    first[inverse] = torch.arange(len(groups), device=groups.device)  # one row per prompt
    masked = attention_mask is not None
    out = model(input_ids=input_ids[first, :w], use_cache=True, logits_to_keep=1,
                **({"attention_mask": attention_mask[first, :w],
                    "position_ids": position_ids[first, :w]} if masked else {}))
    cache = out.cache
    cache.batch_select_indices(inverse)
    head = out.logits[inverse]  # (b, 1, V): predicts completion token 0
    if t == 1:
        return head
    rest = model(input_ids=input_ids[:, w:-1], cache=cache, use_cache=True,
                 **({"attention_mask": attention_mask[:, :-1],
                     "position_ids": position_ids[:, w:-1]} if masked else {})).logits
    return torch.cat([head, rest], 1)


def policy_logp(model, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                position_ids: torch.Tensor, actions: torch.Tensor, temperature: float,
                groups: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Log-probs of ``actions: (b, T)`` under ``softmax(logits / tau)`` and the raw completion
    logits ``(b, T, V)`` (see :func:`completion_logits`)."""
    logits = completion_logits(model, input_ids, attention_mask, position_ids, actions.shape[1], groups)
    z = logits.to(torch.promote_types(logits.dtype, torch.float32)) / temperature
    logp = torch.log_softmax(z, -1).gather(-1, actions[..., None]).squeeze(-1)
    return logp, logits
