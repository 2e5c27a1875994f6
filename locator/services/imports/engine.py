"""Bringing a source's records in: match, decide field by field, then write all or nothing.

A record is matched to a facility by its id in that source (an earlier import), else by UPRN,
else as a duplicate of a facility within `DUPLICATE_M` whose name is alike (rapidfuzz); alike
names a little further off, or nearby facilities with less alike names, are listed as doubtful
for a person to merge. Field by field, an import **owns only what it set**: it fills unknown
fields and updates the ones it set last time (if nobody changed them since); a field someone else
set (a data file, an editor) is never overwritten, the change is proposed instead. A record gone
from its source, or marked inactive there, closes its facility with the source's reason, unless
another source or a person vouches for it (then it is proposed). Nothing is ever deleted.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from pydantic import ValidationError
from rapidfuzz import fuzz

from locator.domain.record import MAX_ID_LENGTH, FacilityRecord, Source
from locator.domain.vocabulary import Status
from locator.services.geocode import QUALITY_ERROR_M
from locator.services.imports.candidates import Candidate, Rejected
from locator.store import imports as store
from locator.store import postcodes
from locator.store.writes import existing_records, upsert

DUPLICATE_M = 50.0
DOUBTFUL_M = 150.0
ALIKE = 80  # rapidfuzz token_set_ratio of two names, 0-100
DOUBTFUL = 50
# Fields a person reads as one: added to, never replaced by an import.
ADDITIVE = ("sources", "unverified")

Reader = Callable[[Path], Iterable[Candidate | Rejected]]
Progress = Callable[[str, int, int], None]


@dataclass
class Report:
    """What an import did, or with `--dry-run` would do."""

    added: list[tuple[str, str]] = field(default_factory=list)  # (id, name)
    changed: list[tuple[str, dict[str, list[Any]]]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    closed: list[tuple[str, str]] = field(default_factory=list)  # (id, reason)
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)  # (where, id, why)
    doubtful: list[tuple[str, str, str]] = field(default_factory=list)
    proposals: list[tuple[str, str, Any, Any]] = field(default_factory=list)  # id, field, now, new
    rejected: list[Rejected] = field(default_factory=list)
    skipped: int = 0
    placed_from_postcode: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many of each, for the history and the summary line."""
        return {
            "added": len(self.added),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "closed": len(self.closed),
            "duplicates": len(self.duplicates),
            "doubtful": len(self.doubtful),
            "proposed": len(self.proposals),
            "rejected": len(self.rejected),
            "skipped": self.skipped,
        }

    def summary(self) -> str:
        """One line for people."""
        c = self.counts()
        return (
            f"{c['added']} added, {c['changed']} changed, {c['unchanged']} unchanged, "
            f"{c['closed']} closed, {c['duplicates']} matched as duplicates "
            f"({c['doubtful']} doubtful, listed to merge), {c['proposed']} changes proposed "
            f"(fields someone else set), {c['rejected']} rejected, {c['skipped']} skipped "
            "(not known to be accessible; --all keeps them)"
        )

    def details(self, most: int = 50) -> list[str]:
        """Every decision in words, `most` per kind (the dry run's body)."""
        sections: list[tuple[str, list[str]]] = [
            ("added", [f"{fid} ({name})" for fid, name in self.added]),
            ("changed", [f"{fid}: " + "; ".join(f"{k}: {v[0]!r} -> {v[1]!r}"
                         for k, v in diff.items()) for fid, diff in self.changed]),  # fmt: skip
            ("closed", [f"{fid}: {reason}" for fid, reason in self.closed]),
            ("matched as duplicates", [f"{w} -> {fid} ({why})" for w, fid, why in self.duplicates]),
            ("doubtful, to merge by hand", [f"{w}: {why}" for w, _, why in self.doubtful]),
            ("proposed (a field someone else set)",
             [f"{fid}: {name}: {now!r} -> {new!r}" for fid, name, now, new in self.proposals]),
            ("rejected", [str(r) for r in self.rejected]),
            ("placed from their postcode (approximate)", self.placed_from_postcode),
            ("warnings", self.warnings),
        ]  # fmt: skip
        lines = []
        for title, items in sections:
            if items:
                lines.append(f"{title} ({len(items)}):")
                lines += [f"  {item}" for item in items[:most]]
                if len(items) > most:
                    lines.append(f"  ... and {len(items) - most} more")
        return lines


@dataclass
class _Plan:
    """The writes an import will make."""

    records: list[FacilityRecord] = field(default_factory=list)
    provenance: list[tuple[str, str, str, dict[str, Any], bool]] = field(default_factory=list)


def slug(name: str, source: str, source_id: str) -> str:
    """A stable, readable id for a new facility: its name and a digest of where it came from."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "toilet"
    digest = hashlib.blake2b(f"{source}:{source_id}".encode(), digest_size=4).hexdigest()
    return f"{words[: MAX_ID_LENGTH - 9].rstrip('-')}-{digest}"


def _alike(a: str, b: str) -> float:
    return float(fuzz.token_set_ratio(a.casefold(), b.casefold()))


async def _place(conn: asyncpg.Connection, candidate: Candidate, report: Report) -> bool:
    """Give a record without coordinates its postcode's point (approximate); False if none."""
    if candidate.lat is not None and candidate.lon is not None:
        return True
    postcode = candidate.fields.get("postcode")
    row = await postcodes.lookup(conn, postcode) if isinstance(postcode, str) else None
    if row is None:
        why = "no coordinates, and no postcode in the postcode directory to place it by"
        report.rejected.append(Rejected(candidate.where, "location", why))
        return False
    candidate.lat, candidate.lon = row["lat"], row["lon"]
    candidate.fields["location_accuracy_m"] = float(QUALITY_ERROR_M.get(row["quality"], 1500))
    candidate.fields["unverified"] = sorted({*candidate.fields.get("unverified", []), "location"})
    report.placed_from_postcode.append(candidate.where)
    return True


def _record(
    candidate: Candidate, facility_id: str, values: dict[str, Any], report: Report
) -> FacilityRecord | None:
    """The record checked against the model; each problem becomes a rejection."""
    try:
        return FacilityRecord.model_validate({**values, "id": facility_id})
    except ValidationError as exc:
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]) or "(record)"
            report.rejected.append(Rejected(candidate.where, name, error["msg"]))
        return None


def _merge(
    current: dict[str, Any],
    wanted: dict[str, Any],
    owned: dict[str, Any],
    facility_id: str,
    report: Report,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The current record with what the import may change, and the fields it now owns."""
    merged, now_owned = dict(current), {}
    for name, value in wanted.items():
        present = current.get(name)
        if name in ADDITIVE:
            additions = [v for v in value if v not in (present or [])]
            merged[name] = [*(present or []), *additions]
            continue
        if name == "licence" and present and value and value not in present:
            merged[name] = f"{present}; {value}"  # every source's attribution is kept
            continue
        if present == value:
            now_owned[name] = value
        elif present in (None, "") or (name in owned and owned[name] == present):
            merged[name] = value
            now_owned[name] = value
        else:
            report.proposals.append((facility_id, name, present, value))
    return merged, now_owned


async def plan_import(
    conn: asyncpg.Connection,
    candidates: Iterable[Candidate | Rejected],
    source: str,
    licence: str | None,
    *,
    keep_all: bool = False,
    progress: Progress | None = None,
) -> tuple[Report, _Plan]:
    """Decide every record: added, changed, unchanged, duplicate, closed, proposed or rejected."""
    report, plan = Report(), _Plan()
    seen_ids: dict[str, str] = {}
    kept: list[Candidate] = []
    for item in candidates:
        if isinstance(item, Rejected):
            report.rejected.append(item)
        elif not (item.relevant or keep_all):
            report.skipped += 1
        elif item.source_id in seen_ids:
            why = f"the same record as {seen_ids[item.source_id]}"
            report.rejected.append(Rejected(item.where, "id", why))
        else:
            seen_ids[item.source_id] = item.where
            kept.append(item)
    placed = [c for c in kept if c.active and await _place(conn, c, report)]
    gone = [c for c in kept if not c.active]
    for candidate in placed:
        report.warnings += [f"{candidate.where}: {w}" for w in candidate.warnings]
        if licence and not candidate.fields.get("licence"):
            candidate.fields["licence"] = licence

    before = await store.known(conn, source)
    by_uprn = await store.known(conn, "uprn")
    matched: dict[int, str] = {}
    for index, candidate in enumerate(placed):
        if candidate.source_id in before:
            matched[index] = before[candidate.source_id].facility_id
        elif candidate.identifiers.get("uprn") in by_uprn:
            facility_id = by_uprn[candidate.identifiers["uprn"]].facility_id
            matched[index] = facility_id
            report.duplicates.append((candidate.where, facility_id, "same UPRN"))
    loose = [i for i in range(len(placed)) if i not in matched]
    nearby = await store.near(
        conn, [(placed[i].lat or 0.0, placed[i].lon or 0.0) for i in loose], DOUBTFUL_M
    )
    taken = set(matched.values())
    for index, around in zip(loose, nearby, strict=True):
        name = str(placed[index].fields.get("name", ""))
        scored = [(n, _alike(name, n.name)) for n in around if n.facility_id not in taken]
        best = next(((n, s) for n, s in scored if n.distance_m <= DUPLICATE_M and s >= ALIKE), None)
        if best:
            matched[index] = best[0].facility_id
            taken.add(best[0].facility_id)
            why = f"{best[0].distance_m:.0f} m away, name {best[1]:.0f}% alike ({best[0].name!r})"
            report.duplicates.append((placed[index].where, best[0].facility_id, why))
            continue
        for nearby_one, score in scored:
            if score >= DOUBTFUL or nearby_one.distance_m <= DUPLICATE_M / 5:
                why = (
                    f"{nearby_one.distance_m:.0f} m from {nearby_one.facility_id} "
                    f"({nearby_one.name!r}), name {score:.0f}% alike: added, check and merge"
                )
                report.doubtful.append((placed[index].where, nearby_one.facility_id, why))
                break

    current = await existing_records(conn, sorted(set(matched.values())))
    new_ids = {i: slug(str(placed[i].fields.get("name", "")), source, placed[i].source_id)
               for i in range(len(placed)) if i not in matched}  # fmt: skip
    clashes = await store.existing_ids(conn, list(new_ids.values()))
    for done, candidate in enumerate(placed):
        wanted = {**candidate.fields, "lat": candidate.lat, "lon": candidate.lon}
        if "sources" in wanted:  # in their stored form, so a re-import finds them equal
            wanted["sources"] = [Source.model_validate(s).model_dump(mode="json")
                                 for s in wanted["sources"]]  # fmt: skip
        if done in matched:
            facility_id = matched[done]
            known = before.get(candidate.source_id)
            owned = known.fields if known else {}
            if "lat" not in owned:  # a duplicate keeps the position someone else gave it
                del wanted["lat"], wanted["lon"]
            merged, owned_now = _merge(current[facility_id], wanted, owned, facility_id, report)
            record = _record(candidate, facility_id, merged, report)
            if record is None:
                continue
            diff = {k: [current[facility_id].get(k), v] for k, v in merged.items()
                    if current[facility_id].get(k) != v}  # fmt: skip
            if diff:
                report.changed.append((facility_id, diff))
                plan.records.append(record)
            else:
                report.unchanged.append(facility_id)
        else:
            facility_id = new_ids[done]
            if facility_id in clashes:
                facility_id = slug(f"{facility_id} {source}", source, candidate.source_id)
            record = _record(candidate, facility_id, wanted, report)
            if record is None:
                continue
            owned_now = {k: v for k, v in wanted.items() if k not in ADDITIVE}
            report.added.append((facility_id, record.name))
            plan.records.append(record)
        plan.provenance.append((source, candidate.source_id, facility_id, owned_now, True))
        if candidate.identifiers.get("uprn"):
            plan.provenance.append(("uprn", candidate.identifiers["uprn"], facility_id, {}, True))
        if progress and (done % 1000 == 0 or done == len(placed) - 1):
            progress("matching", done + 1, len(placed))

    await _close(conn, source, before, seen_ids, gone, report, plan)
    return report, plan


async def _close(
    conn: asyncpg.Connection,
    source: str,
    before: dict[str, store.Known],
    seen: dict[str, str],
    gone: list[Candidate],
    report: Report,
    plan: _Plan,
) -> None:
    """Close the facilities whose records left the source or are marked inactive there."""
    reasons = {c.source_id: c.removal_reason or f"marked inactive in {source}" for c in gone}
    for source_id, known in before.items():
        if known.active and source_id not in seen:
            reasons[source_id] = f"no longer in {source}"
    targets = {before[s].facility_id: r for s, r in reasons.items() if s in before}
    source_ids = {before[s].facility_id: s for s in reasons if s in before}
    if not targets:
        return
    vouched = await store.others(conn, source, list(targets))
    current = await existing_records(conn, list(targets))
    for facility_id, reason in sorted(targets.items()):
        record = current.get(facility_id)
        if record is None or record.get("status") == Status.permanently_closed:
            continue
        closing = {"status": Status.permanently_closed.value, "status_note": reason}
        if facility_id in vouched:
            for name, value in closing.items():
                report.proposals.append((facility_id, name, record.get(name), value))
            continue
        closed = FacilityRecord.model_validate({**record, **closing})
        plan.records.append(closed)
        report.closed.append((facility_id, reason))
        source_id = source_ids[facility_id]
        plan.provenance.append((source, source_id, facility_id, before[source_id].fields, False))


async def apply_import(
    conn: asyncpg.Connection,
    plan: _Plan,
    report: Report,
    *,
    fmt: str,
    source: str,
    licence: str | None,
    path: Path,
    actor: str,
) -> int:
    """Write the plan in the caller's transaction and record the import; the import's id."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    counts = report.counts()
    import_id = await store.record_import(
        conn, fmt, source, licence, path.name, digest, counts, actor
    )
    await upsert(conn, plan.records, actor=f"import:{source}")
    await store.save_provenance(conn, plan.provenance, import_id)
    return import_id
