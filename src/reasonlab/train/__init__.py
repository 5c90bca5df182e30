"""Training: SFT (:mod:`.sft`); run directories (:mod:`.rundir`); token data (:mod:`.data`)."""
