"""The composition root: one Platform per process, holding the settings, the data tree and
the components the start-up phases bring up (database, model store, indexes, ...).

Services get what they need from here; they never build their own storage.
Each later component adds its phase to :meth:`Platform.phases`, in dependency order.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from aura.config import Settings
from aura.errors import LayoutError
from aura.findings import Severity
from aura.layout import DataTree
from aura.services import Service
from aura.startup import Phase, PhaseContext, Startup

if TYPE_CHECKING:
    from aura.assistant.service import Assistant
    from aura.assistant.tools import ToolDeps
    from aura.outfits.scorer import OutfitScorer
    from aura.outfits.service import OutfitService
    from aura.outfits.vectors import OutfitVectors
    from aura.storage.db import Database
    from aura.storage.index_manager import IndexManager
    from aura.storage.models.startup import Resolved
    from aura.storage.models.store import ModelStore
    from aura.taxonomy import Taxonomy
    from aura.vision.cached import CachedAnalyzer
    from aura.vision.pipeline import VisionPipeline
    from aura.vision.remote import RemoteVision
    from aura.wardrobe.embedder import TextEmbedder
    from aura.wardrobe.service import WardrobeService
    from aura.wardrobe.similar import SimilarItems

log = logging.getLogger("aura.platform")


class Platform:
    def __init__(self, settings: Settings) -> None:
        from aura.storage.cache import make_cache

        self.settings = settings
        self.tree = DataTree(settings)
        self.cache = make_cache(settings.redis_url)
        self.models: ModelStore | None = None  # set by the "model resolve" phase
        self.resolved_models: Resolved | None = None
        self.db: Database | None = None
        self.embedder: TextEmbedder | None = None
        self.index: IndexManager | None = None
        self.wardrobe: WardrobeService | None = None
        self.similar: SimilarItems | None = None
        self.outfit_scorer: OutfitScorer | None = None  # set by the "model load" phase
        self.outfit_vectors: OutfitVectors | None = None  # a trained model's retrieval space
        self.assistant: Assistant | None = None  # set by the "model load" phase
        self._rules_scorer: OutfitScorer | None = None
        self._outfit_service: OutfitService | None = None
        # Blocking model inference runs here, never on the event loop.
        self.inference_pool = ThreadPoolExecutor(settings.max_workers, "aura-inference")
        self.vision: VisionPipeline | None = None  # set by the "model load" phase
        self.analyzer: CachedAnalyzer | None = None  # the vision pipeline behind the cache
        self.remote_vision: RemoteVision | None = None  # vision served elsewhere (AURA_VISION_URL)
        if settings.vision_url and Service.VISUAL_ANALYSIS not in settings.served_services:
            from aura.vision.remote import RemoteVision

            self.remote_vision = RemoteVision(
                settings.vision_url, settings.vision_timeout_s, settings.vision_max_image_bytes
            )
        self.startup = Startup(self.phases())

    def model_path(self, name: str) -> Path:
        """Where a resolved model lives (after start-up); services load from here."""
        if self.resolved_models is None or name not in self.resolved_models.paths:
            from aura.errors import ModelMissing

            raise ModelMissing(
                f"Model {name} was not resolved at start-up.",
                fix=f"`aura models list` shows it; `aura models pull {name}`.",
            )
        return self.resolved_models.paths[name]

    @property
    def serves_wardrobe(self) -> bool:
        """The wardrobe (and its index under VECTOR_STORE_PATH) lives with the assistant."""
        return Service.CONVERSATIONAL_AI in self.settings.served_services

    # ---- start-up phases ----------------------------------------------------------

    def phases(self) -> list[Phase]:
        """The foreground phases (to ready), then the background loads (after ready): the
        models whose first use can wait, each named with the service that waits for it."""
        served = self.settings.served_services
        phases = [
            Phase("settings", self._phase_settings),
            Phase("layout check", self._phase_layout),
            Phase("database migrate", self._phase_database),
            Phase("model resolve", self._phase_model_resolve),
            *([Phase("index load", self._phase_index)] if self.serves_wardrobe else []),
        ]
        conversational = Service.CONVERSATIONAL_AI.value
        if self.serves_wardrobe:
            # faiss: not needed to open the index; a first search would import it (0.04-0.08 s)
            phases.append(
                Phase("vector library load", self._phase_vector_library, True, conversational)
            )
            phases.append(Phase("embedder load", self._phase_embedder, True, conversational))
        # "model load" per service (named apart: one process may serve both)
        if Service.OUTFIT_RECOMMENDATION in served:
            phases.append(
                Phase(
                    "outfit model load",
                    self._phase_outfit_model,
                    True,
                    Service.OUTFIT_RECOMMENDATION.value,
                )
            )
        if Service.VISUAL_ANALYSIS in served:
            phases.append(
                Phase(
                    "vision model load",
                    self._phase_vision_model,
                    True,
                    Service.VISUAL_ANALYSIS.value,
                )
            )
        if Service.CONVERSATIONAL_AI in served:
            phases.append(
                Phase("assistant model load", self._phase_assistant_model, True, conversational)
            )
        return phases

    def _phase_vision_model(self, ctx: PhaseContext) -> None:
        ctx.report("loading the visual analysis models")
        from aura.storage.models.onnx import exported
        from aura.vision import effnet
        from aura.vision.cached import CachedAnalyzer
        from aura.vision.pipeline import VisionPipeline
        from aura.vision.weights import WEIGHTS_FILENAME, WEIGHTS_MODEL

        weights = self.model_path(WEIGHTS_MODEL) / WEIGHTS_FILENAME  # through the model store
        assert self.resolved_models is not None and self.models is not None
        revision = self.resolved_models.statuses[WEIGHTS_MODEL].commit
        classifier = self.resolved_models.paths.get("aura-garment-classifier")  # packaged
        with self.models.timed_load(WEIGHTS_MODEL):
            onnx_dir = exported(
                self.models, WEIGHTS_MODEL, effnet.ONNX_KEY, effnet.EXPORTER, weights
            )
            self.vision = VisionPipeline.load(
                self.settings,
                self.tree,
                weights,
                revision,
                classifier_dir=classifier,
                backbone_onnx=onnx_dir,
            )
        self.analyzer = CachedAnalyzer(
            self.vision, self.cache, self.settings.vision_cache_ttl_seconds
        )
        info = self.vision.info()
        log.info(
            "visual analysis loaded",
            extra={
                "backend": info.get("backend"),
                "model": info.get("model"),
                "classifier": info["garment_classifier"].get("available"),
            },
        )

    def _phase_settings(self, ctx: PhaseContext) -> None:
        ctx.report("resolved configuration")
        log.info(
            "configuration",
            extra={
                "settings": self.settings.public_dict(),
                "services": [s.value for s in self.settings.served_services],
            },
        )

    def _phase_layout(self, ctx: PhaseContext) -> None:
        ctx.report(f"checking the data tree under {self.tree.root}")
        for finding in self.tree.check():
            if finding.severity is Severity.ERROR and finding.check != "disk":
                raise LayoutError(finding.message, fix=finding.fix)
            if finding.severity in (Severity.ERROR, Severity.WARNING):
                log.warning(finding.message, extra={"check": finding.check, "fix": finding.fix})

    def _phase_model_resolve(self, ctx: PhaseContext) -> None:
        from aura.storage.models.startup import resolve_all
        from aura.storage.models.store import ModelStore

        self.models = ModelStore(self.settings)
        self.resolved_models = resolve_all(self.models, ctx.report)

    def _phase_database(self, ctx: PhaseContext) -> None:
        from sqlalchemy.exc import InterfaceError, OperationalError

        from aura.config import mask_url
        from aura.errors import DependencyUnavailable
        from aura.storage.db import Database
        from aura.storage.migrate import upgrade_to_head

        where = mask_url(self.tree.database_url)
        ctx.report(f"migrating {where} to head")
        db = Database(self.tree.database_url)
        # A database that refuses connections (restarting, not up yet) is waited for, so a
        # replica started during a PostgreSQL restart becomes ready by itself; any other
        # error, or a refusal past AURA_DATABASE_WAIT_SECONDS, fails start-up at once.
        deadline = time.monotonic() + self.settings.database_wait_s
        pause, attempt = 0.5, 1
        while True:
            try:
                before, after = upgrade_to_head(db)
                break
            except DependencyUnavailable as exc:
                unreachable = isinstance(exc.__cause__, (OperationalError, InterfaceError))
                if not unreachable or time.monotonic() + pause > deadline or ctx.stopping:
                    db.close()
                    raise
                ctx.report(f"waiting for the database {where} (attempt {attempt}): {exc.message}")
                log.warning("database unreachable at start-up; retrying",
                            extra={"attempt": attempt, "retry_in_s": pause})  # fmt: skip
                time.sleep(pause)
                pause, attempt = min(pause * 2, 5.0), attempt + 1
        log.info("database at head", extra={"from": before, "revision": after})
        self.db = db

    def _phase_embedder(self, ctx: PhaseContext) -> None:
        """Background: the ONNX sentence embedder (exported once into the model store).
        Until it is in, routes that embed text answer 503 with Retry-After."""
        from aura.wardrobe.embedder import STORE_NAME

        assert self.embedder is not None and self.models is not None
        ctx.report(f"loading {self.embedder.space.model_id} (ONNX) from {self.embedder.folder}")
        with self.models.timed_load(STORE_NAME):
            self.embedder.load()

    def _phase_vector_library(self, ctx: PhaseContext) -> None:
        ctx.report("importing the vector search library (faiss)")
        from aura.storage.vectors import import_library

        import_library()

    def _phase_index(self, ctx: PhaseContext) -> None:
        from aura.storage.index_manager import IndexManager
        from aura.wardrobe.embedder import TextEmbedder
        from aura.wardrobe.service import WardrobeService
        from aura.wardrobe.similar import SimilarItems

        assert self.db is not None
        # the embedder's space (model and revision) is known now; its weights load later
        self.embedder = TextEmbedder.from_store(self.settings)
        index = IndexManager(self.db, self.tree, self.settings, self.embedder.space)
        ctx.report(f"loading the item index from {index.folder}")
        index.open()
        self.index = index
        self.wardrobe = WardrobeService(self.db, self.embedder, index)
        self.similar = SimilarItems(self.db, self.tree, self.settings, index)

    def close(self) -> None:
        """Save what is unsaved and release locks and connections (clean shutdown)."""
        if self.similar is not None:
            self.similar.close()
        if self.index is not None:
            self.index.close()
        if self.outfit_vectors is not None:
            self.outfit_vectors.close()
        if self.db is not None:
            self.db.close()
        if self.remote_vision is not None:
            self.remote_vision.close()

    def _phase_outfit_model(self, ctx: PhaseContext) -> None:
        from aura.outfits.status import load_serving_scorer

        directory = self.tree.outfit_artifact_dir()
        ctx.report(f"outfit scorer from {directory}")
        scorer = load_serving_scorer(directory)
        if getattr(scorer, "space", None) is not None:  # a trained model: its item vectors
            from aura.outfits.inference import OutfitInference
            from aura.outfits.vectors import OutfitVectors

            assert isinstance(scorer, OutfitInference) and self.db is not None
            ctx.report("loading the outfit model's item index")
            try:
                self.outfit_vectors = OutfitVectors.open(self.db, self.tree, self.settings, scorer)
            except OSError as exc:  # serve anyway: vectors are then kept in memory only
                log.warning(
                    "outfit item index unavailable; item vectors are kept in memory only",
                    extra={"reason": str(exc), "folder": str(self.tree.vector_store_dir())},
                )
        self.outfit_scorer = scorer
        log.info("outfit scorer", extra={"scorer": scorer.name})

    def outfit_service(self) -> OutfitService:
        """The outfit service over the serving scorer (the rule scorer until one loaded);
        one instance per scorer."""
        from aura.outfits.rules import RulesScorer
        from aura.outfits.service import OutfitService

        assert self.db is not None
        scorer = self.outfit_scorer
        if scorer is None:
            if self._rules_scorer is None:
                self._rules_scorer = RulesScorer()
            scorer = self._rules_scorer
        service = self._outfit_service
        if service is None or service.scorer is not scorer or service.db is not self.db:
            service = OutfitService(self.db, scorer, self.outfit_vectors, self.taxonomy())
            self._outfit_service = service
        return service

    def tool_deps(self) -> ToolDeps:
        """What the assistant's tools (chat, MCP) run over: this process's services."""
        from aura.assistant.tools import ToolDeps

        assert self.db is not None
        return ToolDeps(self.db, self.wardrobe, self.outfit_service, self.taxonomy().slot)

    def taxonomy(self) -> Taxonomy:
        """The wardrobe's taxonomy (words, then its text embedding) where this process
        serves the wardrobe; else words, plus the embedder if one is loaded."""
        from aura.taxonomy import Taxonomy

        if self.wardrobe is not None:
            return self.wardrobe.taxonomy
        return Taxonomy(self.embedder.embed if self.embedder is not None else None)

    def _phase_assistant_model(self, ctx: PhaseContext) -> None:
        """Load the assistant's LLM (seconds; never in a request), with conversation memory
        in the database and retrieval over the user's wardrobe in the item index."""
        from aura.assistant.backends import load_backend
        from aura.assistant.db_memory import DatabaseConversationStore
        from aura.assistant.service import Assistant
        from aura.assistant.wardrobe_source import IndexWardrobeSource

        assert self.db is not None and self.wardrobe is not None
        ctx.report(f"loading the {self.settings.llm_backend} language model")
        backend = load_backend(self.settings, self.tree)
        self.assistant = Assistant(
            backend,
            DatabaseConversationStore(self.db),
            context_tokens=self.settings.llm_context_tokens,
            default_max_tokens=self.settings.llm_max_tokens,
            wardrobe=IndexWardrobeSource(self.wardrobe),
            tools=self.tool_deps(),
        )
        log.info("assistant model loaded", extra={"llm": backend.info().to_dict()})
