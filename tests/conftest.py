"""Shared test configuration: the Hypothesis settings profiles.

``HYPOTHESIS_PROFILE=ci`` (the default) keeps the property tests quick;
``HYPOTHESIS_PROFILE=thorough`` runs many more examples, for a run before a release or after
touching ordering or building.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", max_examples=150, deadline=None, print_blob=True)
settings.register_profile("thorough", max_examples=3000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
