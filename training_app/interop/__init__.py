"""The module for other learning systems: SCORM 1.2 packages, one per language and mission."""
