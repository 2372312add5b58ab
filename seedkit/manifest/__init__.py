"""The seed.toml manifest: pydantic models that validate it and a loader that locates errors."""

from seedkit.manifest.loader import Manifest, load_manifest
from seedkit.manifest.models import CsvOptionsModel, ManifestModel, Mode, ProjectModel, StepModel

__all__ = [
    "CsvOptionsModel",
    "Manifest",
    "ManifestModel",
    "Mode",
    "ProjectModel",
    "StepModel",
    "load_manifest",
]
