"""homog: measure homogenization in AI research.

The pipeline, one module or package per step: ``homog.corpus`` (harvest and read papers), ``homog.embed``
(``Embedder``), ``homog.cluster`` (``MethodClusterer``), ``homog.diversity`` (metrics, intervals, trends),
``homog.bench`` (benchmark suites and outcome homogenization), ``homog.report``; ``homog.pipeline`` runs them
in order over one ``homog.store.Store``.
"""
