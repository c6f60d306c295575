"""The data layer: reading the input and checking it against the data contract.

- :mod:`~kamlib.data.sources`: a folder (embedded DuckDB) or a database URL (Ibis);
- :mod:`~kamlib.data.contract`: every table's schema and rules, written once;
- :mod:`~kamlib.data.validate`: the contract checked in the engine, bad rows set aside;
- :mod:`~kamlib.data.warehouse`: ``kam load-db``, a typed PostgreSQL copy of a folder;
- :mod:`~kamlib.data.synth`: the synthetic sample with known true parameters.
"""

__all__: list[str] = []
