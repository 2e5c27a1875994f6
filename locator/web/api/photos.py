"""Photos of the room and the way in: uploaded by editors, shown once approved, cached long."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Form, Path, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from locator.domain.errors import NotFound
from locator.domain.vocabulary import PhotoSubject, Scope
from locator.services import photos as images
from locator.services.auth import Principal
from locator.store import photos as store
from locator.web import uploads
from locator.web.auth import api_writer
from locator.web.deps import AppSettings, Db, FacilityId, ReadDb
from locator.web.responses import ERROR_RESPONSES, WRITE_RESPONSES

router = APIRouter(tags=["photos"])

PhotoWriter = Annotated[Principal, api_writer(Scope.photos_write)]
PhotoId = Annotated[int, Path(ge=1, le=2**31 - 1)]
FILE_NAME = r"^[0-9a-f]{64}(\.thumb)?\.jpg$"
# A stored file never changes (its name is its content's hash): cache it for a year.
IMMUTABLE = "public, max-age=31536000, immutable"


class PhotoOut(BaseModel):
    """A photo and where to fetch it (the URLs answer only once it is approved)."""

    id: int
    facility_id: str
    subject: PhotoSubject
    alt_text: str = Field(description="What the photo shows, for people who cannot see it.")
    width: int
    height: int
    state: str
    url: str
    thumbnail_url: str


class PhotoDecisionIn(BaseModel):
    """Show the photo, or not."""

    approve: bool


@router.post(
    "/api/v1/facilities/{facility_id}/photos",
    status_code=201,
    response_model=PhotoOut,
    responses={
        404: ERROR_RESPONSES[422],
        413: ERROR_RESPONSES[422] | {"description": "The file is too large."},
        415: ERROR_RESPONSES[422] | {"description": "Not a JPEG, PNG or WebP image."},
        **WRITE_RESPONSES,
    },
    summary="Upload a photo (editors)",
)
async def upload_photo(
    pool: Db,
    settings: AppSettings,
    editor: PhotoWriter,
    facility_id: FacilityId,
    file: Annotated[UploadFile, File(description="A JPEG, PNG or WebP photo.")],
    alt_text: Annotated[
        str, Form(min_length=5, max_length=300, description="What it shows (required).")
    ],
    subject: Annotated[PhotoSubject, Form()] = PhotoSubject.room,
) -> dict[str, Any]:
    """The photo is checked from its content, stripped of EXIF (GPS included), resized to at
    most 1600 px with a 400 px thumbnail, and waits for approval before anyone sees it."""
    data = await file.read(settings.photo_max_bytes + 1)
    return await uploads.accept_photo(pool, settings, editor, facility_id, data, alt_text, subject)


@router.get(
    "/api/v1/facilities/{facility_id}/photos",
    response_model=list[PhotoOut],
    responses=ERROR_RESPONSES,
    summary="A facility's approved photos",
)
async def facility_photos(pool: ReadDb, facility_id: FacilityId) -> list[dict[str, Any]]:
    """Approved photos, oldest first."""
    return [uploads.photo_out(row) for row in await store.of_facility(pool, facility_id)]


@router.post(
    "/api/v1/photos/{photo_id}/decision",
    response_model=PhotoOut,
    responses={404: ERROR_RESPONSES[422], 409: ERROR_RESPONSES[422], **WRITE_RESPONSES},
    summary="Approve or reject a photo (editors)",
)
async def decide_photo(
    pool: Db, editor: PhotoWriter, photo_id: PhotoId, body: Annotated[PhotoDecisionIn, Body()]
) -> dict[str, Any]:
    """Approving shows it on the facility page and in the API."""
    async with pool.acquire() as conn:
        return uploads.photo_out(await store.decide(conn, photo_id, body.approve, editor.actor))


@router.get(
    "/photos/{name}",
    response_class=FileResponse,
    responses={200: {"content": {"image/jpeg": {}}}, 404: ERROR_RESPONSES[422]},
    summary="A photo's file (approved photos only)",
)
async def photo_file(
    pool: ReadDb, settings: AppSettings, name: Annotated[str, Path(pattern=FILE_NAME)]
) -> FileResponse:
    """The JPEG, cached for a year: its name is its content's hash."""
    digest = name.split(".", 1)[0]
    path = images.file_path(settings.photo_dir, digest, thumb=".thumb." in name)
    if await store.state_of(pool, digest) != "approved" or not path.exists():
        raise NotFound("No such photo", field="name")
    return FileResponse(path, media_type="image/jpeg", headers={"cache-control": IMMUTABLE})
