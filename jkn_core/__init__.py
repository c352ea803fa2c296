"""jkn_core: the brain of the JKN decision dashboard — everything but drawing (it never imports streamlit).

Data flows one way: database → ``jkn_core`` → ``pages/``. One package per part of the product:

- ``kpi``         the directors' KPIs (coverage, collectability, arrears, capacity, targets, overview),
                  the pre-aggregates they read (``kpi.refresh``) and the director brief
- ``collection``  collections of iuran arrears: delinquency features, the model, the branch work queue,
                  action rules and outcomes
- ``sif``         SIF loans to FKTP: features, scorecard, model, loan policy, applications, portfolio, memo
- ``imports``     validated CSV/Excel imports (all rows or none)
- ``access``      passwords, users, who sees which page, the demo users
- ``demo``        the synthetic demo Indonesia: geography, calibration figures, the generator
- ``cli``         ``python -m jkn_core``: one module per command group
- ``i18n``        UI strings in Bahasa Indonesia and English, one module per area

and the small modules every part shares: ``config`` (settings), ``db`` (engines), ``schema`` (tables),
``scope`` (who may see which rows), ``rules`` (every regulation and programme constant, with its source),
``months`` (YYYYMM arithmetic), ``fmt`` (Indonesian number formats), ``audit`` (the audit trail),
``exports`` (every download), ``hooks`` (what runs after generation and imports), ``modeling`` (model
plumbing), ``indonesia_map`` (the offline province map).
"""

__version__ = "0.1.0"
