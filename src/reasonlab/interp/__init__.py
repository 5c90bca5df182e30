"""Looking inside a model with plain PyTorch hooks: attention patterns, the residual stream, the
logit lens, head and neuron ablation, activation patching, and weight edits mid-generation.

No TransformerLens or nnsight: for the GPT-2 and Llama models reasonlab builds (and any local
Hugging Face checkpoint of those families) each intervention is a few exact lines on
``nn.Module`` hooks, every hook is removed in ``finally``, and edits go through
``torch.func.functional_call`` so a shared model is never mutated. :mod:`.anatomy` maps an
architecture onto the parts the probes need; the other modules hold one probe each.
"""

from .ablation import AblationEffect, ablate, ablation_effects, mean_activations
from .activations import Activations, attention, logit_lens, record
from .anatomy import Anatomy, anatomy
from .decode import greedy
from .edits import WeightEdit, edited_generate
from .patching import patch_matrix, patched_logits

__all__ = [
    "AblationEffect", "Activations", "Anatomy", "WeightEdit", "ablate", "ablation_effects",
    "anatomy", "attention", "edited_generate", "greedy", "logit_lens", "mean_activations", "patch_matrix",
    "patched_logits", "record",
]
