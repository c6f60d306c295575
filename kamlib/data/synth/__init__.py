"""Realistic sample data generated from a known truth (``kam synth``)."""

from kamlib.data.synth.simulate import DEFAULT_SEED, SynthConfig, generate, synthesize, write_dataset

__all__ = ["DEFAULT_SEED", "SynthConfig", "generate", "synthesize", "write_dataset"]
