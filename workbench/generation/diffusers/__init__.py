"""Open image-to-video models run on this machine from their weights folder, through ``diffusers``.

A ``"provider": "diffusers"`` entry in ``models.json`` names a folder of downloaded weights (Wan 2.1/2.2
image-to-video, LTX-Video) and becomes a :class:`DiffusersBackend` next to the local and hosted models. The
pipeline is loaded once, in a worker process of its own (:mod:`.worker`), and kept between jobs; the kernel
never imports torch. :mod:`.folder` checks the folder and :mod:`.plan` maps the settings before a job starts;
:mod:`.execution` is the torch side. Install with ``pip install 'segment-workbench[diffusers]'``.
"""

from workbench.generation.diffusers.backend import DiffusersBackend, PipelineHost
from workbench.generation.diffusers.families import FAMILIES, PipelineFamily, Rules
from workbench.generation.diffusers.folder import FolderFacts, inspect_folder
from workbench.generation.diffusers.plan import GenerationPlan, plan_generation
from workbench.generation.diffusers.spec import DiffusersSpec, LoadKey
from workbench.generation.diffusers.worker import PipelineWorker, WorkerPool, default_pool

__all__ = [
    "FAMILIES",
    "DiffusersBackend",
    "DiffusersSpec",
    "FolderFacts",
    "GenerationPlan",
    "LoadKey",
    "PipelineFamily",
    "PipelineHost",
    "PipelineWorker",
    "Rules",
    "WorkerPool",
    "default_pool",
    "inspect_folder",
    "plan_generation",
]
