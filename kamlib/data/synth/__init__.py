"""Realistic sample data generated from a known truth (``kam synth``).

The generator simulates a key-account business quarter by quarter and writes
all 15 tables of the data contract (the targets fixed, not drawn) plus ``truth.json``, which holds every
parameter a model could be asked to recover. Every true effect is defined on a
quantity the exported data itself shows (see ``truth.json["covariates"]``), so
a model fitted on the tables can recover it fairly.

What is simulated
-----------------
* Accounts in three segments with different value, margin, satisfaction and
  churn. About 65 % are already customers when the history starts (their older
  contracts are exported too); the rest are won from prospects.
* Annual contracts. At every contract end the account renews or churns with a
  grouped proportional-hazards (complementary log-log) probability::

      P(churn) = 1 - exp(-exp(log(-log(1 - p0[k])) + sum_j beta_j (x_j - ref_j)))

  where ``k`` counts renewal decisions within the spell (the baseline falls with
  tenure) and the covariates ``x`` are measured on the quarter *before* the
  decision quarter: the account's recent NPS, its longest contact gap, and its
  KAM's satisfaction, plus the segment. Because sicker accounts leave early,
  cohort retention rises with tenure, as in real contractual data.
* Interactions from a Poisson process with seasonality and "neglect" spells
  (more frequent under less satisfied KAMs); requests and their resolution.
* NPS surveys twice a year, employee surveys every quarter, social mentions,
  monthly SLA checks, customer objectives whose leading attainment predicts
  lagging success, invoices with upsell and cross-sell driven by health,
  credit notes, KAM departures and reassignments.
* Prospects whose conversion probability first rises and then falls with the
  number of touches in their channel, with a different peak per channel.

The output is byte-identical for the same arguments (one seeded PCG64 stream,
fixed formatting).

Modules
-------
``parameters`` (the true parameters, ``SynthConfig``), ``people`` (KAMs,
accounts, assignments), ``prospects`` (pipeline and touches), ``money``
(contracts, upsell, invoices), ``churn`` (renewal decisions and their
covariates), ``engagement`` (interactions, mentions, SLA checks), ``surveys``
(NPS and employee surveys), ``objectives``, ``targets`` (fixed targets), ``truth`` (``truth.json``),
``costs`` (acquisition costs per channel, from a stream of their own),
``simulate`` (the order of the steps) and ``write`` (the files); ``timeline``
and ``columns`` hold day arithmetic and column builders.

>>> cfg = SynthConfig(accounts=40, seed=1)
>>> cfg.n_kams, cfg.n_teams
(4, 1)
"""

from kamlib.data.synth.parameters import DEFAULT_SEED, SynthConfig
from kamlib.data.synth.simulate import generate
from kamlib.data.synth.write import synthesize, write_dataset

__all__ = ["DEFAULT_SEED", "SynthConfig", "generate", "synthesize", "write_dataset"]
