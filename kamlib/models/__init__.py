"""The models: churn (Cox, :mod:`~kamlib.models.cox`), contractual retention (sBG,
:mod:`~kamlib.models.sbg`), survival panels (:mod:`~kamlib.models.survival`), CLV
(:mod:`~kamlib.models.clv`) and their checks (:mod:`~kamlib.models.diagnostics`), on
one base (:mod:`~kamlib.models.base`)."""

__all__: list[str] = []
