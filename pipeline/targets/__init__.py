"""Targets: the spaCy pipeline (the pkuseg tokenizer on a t2s copy, the rule-based target
component and its patterns), deadlines and the past read from the document, indicator
tables, the measure-word lexicon and the indicator catalogue.

Importing this package registers the spaCy factories (``policy_zh_t2s.v1`` and
``policy_targets_v1``) that a saved pipeline names.
"""

from pipeline.targets.component import TargetRecognizer, get_recognizer  # noqa: F401
from pipeline.targets.rules import (  # noqa: F401  (the package's public names)
    FIELDS,
    GATE_NORMALISED,
    NUMERAL_GATE,
    RULES_DIR,
    Rules,
    has_numeral,
)
from pipeline.targets.tokenizer import PolicyChineseTokenizer, normalise  # noqa: F401
