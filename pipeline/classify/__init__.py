"""The clause classifier: ``features`` (what a clause is turned into), ``estimators``
(the pipeline, the context router and the calibrated SVCs), ``evaluation``
(leave-one-document-out figures), ``versions`` (train, register, promote and load model versions),
``joint`` (the joint label + targets decision) and ``robustness`` (behavioural checks).

Registered models were pickled with their classes and feature functions under this
package's name (``pipeline.classify.ContextRouter``, ``pipeline.classify._dense`` …), so
those names stay importable from here; the package's public names are re-exported too.
"""

from pipeline.classify.estimators import *  # noqa: F401,F403
from pipeline.classify.estimators import (  # noqa: F401  (names the registered models were pickled under)
    CalibratedLinearSVC,
    ContextDropoutPipeline,
    ContextRouter,
    TemperedLinearSVC,
)
from pipeline.classify.evaluation import *  # noqa: F401,F403
from pipeline.classify.evaluation import _manifest  # noqa: F401
from pipeline.classify.features import *  # noqa: F401,F403
from pipeline.classify.features import _dense, _structure  # noqa: F401  (pickled names)
from pipeline.classify.versions import *  # noqa: F401,F403
