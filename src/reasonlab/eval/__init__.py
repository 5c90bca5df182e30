"""Generation-based evaluation: batched generation, verifier scores, slices (:mod:`.generation`)."""
