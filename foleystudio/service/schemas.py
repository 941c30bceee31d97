"""Request and response bodies, split by role: what a client sends, what it gets back."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

State = Literal["queued", "running", "done", "failed", "cancelled"]


class JobOptions(BaseModel):
    """The CLI's soundtrack options, as form fields beside the video (all optional)."""

    model_config = ConfigDict(extra="forbid")

    surface: str | None = Field(None, description="ground for every step; default: estimated where confident")
    footwear: str | None = Field(None, description="footwear for every step; default: estimated where confident")
    scene: bool = Field(True, description="look at the ground (false: the CLI's --no-scene)")
    seed: int = Field(0, description="the same seed gives the same soundtrack")
    keep_audio: bool = Field(False, description="mix the input's own audio under the Foley")
    min_confidence: float | None = Field(None, ge=0, le=1, description="drop contacts less confident than this")
    scuffs: bool = Field(False, description="also hear scuffs, a guess at confidence 0.4 at most (the CLI's --scuffs)")
    export: str | None = Field(None, description="comma-separated formats (csv, otio, edl, fcpxml, rpp, markers, "
                                                 "preview) or 'all'; default: all; empty: none")
    start_timecode: str | None = Field(None, description="the timeline's first frame, HH:MM:SS:FF")
    stems_per_person: bool = Field(False, description="also one footstep stem per person")
    preview_size: str | None = Field(None, description="WIDTHxHEIGHT of the annotated preview")
    events_only: bool = Field(False, description="only detect contacts: events and timelines, no sound")
    layers: str | None = Field(None, description="comma-separated layers to make (footsteps, specifics, moves, "
                                                 "ambience, music); default: all")
    actions: bool = Field(True, description="look for claps, hits, falls and impacts (false: the CLI's "
                                            "--no-actions)")
    fabric: str | None = Field(None, description="what the moves layer's clothes are (cotton, nylon, leather, "
                                                 "denim); default: cotton")
    material: str | None = Field(None, description="what hits and impacts strike (wood, metal, glass, plastic, "
                                                   "stone, soft, neutral): for every one (metal), per kind "
                                                   "(hit=wood,impact=metal) or both (metal,hit=wood); default: "
                                                   "neutral")
    ambience: str | None = Field(None, description="one bed for every shot (room_small, room_large, outdoor_air, "
                                                   "wind, city, park, rain, crowd, shore, night); default: each "
                                                   "shot's from its picture")
    music: str | None = Field(None, description="the score's style (ambient, piano, pulse, drive) or auto: by the "
                                                "video's pace; default: auto")
    loudness: float | None = Field(None, description="the mix's integrated loudness in LUFS, true peak at most "
                                                     "-1 dBTP; default: -23 (EBU R128)")
    room: bool = Field(True, description="indoor shots ring in their room (false: the CLI's --no-room)")
    air: bool = Field(True, description="far sounds lose their highs (false: the CLI's --no-air)")


class VideoSummary(BaseModel):
    duration_s: float
    width: int
    height: int
    fps: float
    n_frames: int


class ResultFile(BaseModel):
    name: str
    kind: str = Field(description="video, mix, stem, events, events_csv, otio, edl, fcpxml, rpp, markers, preview")
    bytes: int
    url: str


class Job(BaseModel):
    id: str
    state: State
    stage: str
    percent: float
    error: str | None = None
    attempts: int
    log: list[str] = Field([], description="what happened to earlier attempts (a worker that died, ...)")
    created: float
    updated: float
    finished: float | None = None
    filename: str
    size_bytes: int
    video: VideoSummary
    options: dict
    edits_version: int = 0
    results: list[ResultFile] = []
    poll_after_s: float | None = Field(None, description="when to look again; None once the job is finished")


class JobList(BaseModel):
    jobs: list[Job]


class AddedEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    t: float
    person: int = 0
    foot: str = "unknown"
    kind: str = "step"
    surface: str | None = None
    footwear: str | None = None


class CueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: float = 0.0
    end: float | None = None
    person: int | None = None
    surface: str | None = None
    footwear: str | None = None
    material: str | None = None  # what the specifics strike in this range (for this person)
    ambience: str | None = None  # the bed under this range (for everyone)


class EditsIn(BaseModel):
    """An edits document (schema foleystudio.edits.1); every field optional."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: str = Field("foleystudio.edits.1", alias="schema")
    off: list[str] = Field([], description="event ids turned off")
    moved: dict[str, float] = Field({}, description="event id -> new time in seconds")
    added: list[AddedEvent] = []
    cues: list[CueIn] = Field([], description="surface/footwear per person (no start/end) or time range")
    levels: dict[str, float] = Field({}, description="layer -> level in dB")
    mute: list[str] = Field([], description="layers left out of the mix (their stems are silent)")
    seed: int | None = None


class Edits(BaseModel):
    version: int = Field(description="0: never edited; each accepted document adds one")
    document: dict
