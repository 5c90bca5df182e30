"""A character-level tokenizer built locally from a task's alphabet (never downloaded).

Every character of the training text is one token, plus ``<pad>``, ``<bos>``, ``<eos>`` and
``<unk>``; the result is a ``transformers.PreTrainedTokenizerFast`` (``tokenizers`` WordLevel
model, one-character pre-tokenisation, a fusing decoder) that saves and loads like any Hugging
Face tokenizer. The original causal-experiment project (docs/origins.md) used GPT-2's 50k-token
BPE for a 14-symbol task, so 6.4M of its 7.4M parameters were embeddings; here the vocabulary
is the alphabet.
"""

from __future__ import annotations

from collections.abc import Iterable

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast

from ..tasks import Example

SPECIALS = {"pad_token": "<pad>", "bos_token": "<bos>", "eos_token": "<eos>", "unk_token": "<unk>"}


def alphabet(texts: Iterable[str]) -> list[str]:
    """The sorted set of characters in ``texts``."""
    chars: set[str] = set()
    for t in texts:
        chars.update(t)
    return sorted(chars)


def char_tokenizer(chars: Iterable[str]) -> PreTrainedTokenizerFast:
    """A tokenizer whose vocabulary is the special tokens, then ``chars`` in order."""
    vocab = {tok: i for i, tok in enumerate(SPECIALS.values())}
    for c in chars:
        if len(c) != 1:
            raise ValueError(f"{c!r} is not one character")
        vocab.setdefault(c, len(vocab))
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token=SPECIALS["unk_token"]))
    core.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    core.decoder = decoders.Fuse()
    tok = PreTrainedTokenizerFast(tokenizer_object=core, **SPECIALS)
    tok.model_input_names = ["input_ids", "attention_mask"]
    return tok


def data_tokenizer(splits: dict[str, list[Example]]) -> PreTrainedTokenizerFast:
    """A character tokenizer over every split's prompts and completions (a fresh model's)."""
    return char_tokenizer(alphabet([t for s in splits.values() for e in s for t in (e.text(), e.completion)]))
