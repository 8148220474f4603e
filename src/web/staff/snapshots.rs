//! A channel's snapshots (REC-7) and the records steps of closing it (REC-8, REG-9): download
//! a snapshot's PDF/A or rendering, take one now, and do a closing step. The lists and the
//! steps are shown on the channel page (`channels.rs`).

use super::*;
use crate::service::SnapshotFile;

/// Confirmation texts for `?ok=` after these actions.
pub(super) fn notice(code: &str, lang: Lang) -> Option<String> {
    let t = match code {
        "snapshot" => {
            lang.t("Ögonblicksbilden är tagen och finns i listan nedan.", "The snapshot is taken and listed below.")
        }
        "closing_snapshot" => lang.t("Den slutliga ögonblicksbilden är tagen.", "The final snapshot is taken."),
        "closing_package" => lang.t(
            "Arkivpaketet är framställt i datakatalogens archive/.",
            "The archive package is made in the data directory's archive/.",
        ),
        "closing_registered" => {
            lang.t("Stängningen är registrerad hos registrator.", "The closure is registered with the registrar.")
        }
        _ => return None,
    };
    Some(t.to_string())
}

/// `/app/kanaler/{id}/ogonblicksbilder/{sid}.pdf` or `.png`.
pub async fn snapshot_file(
    State(st): State<AppState>,
    staff: Staff,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let (sid, which, ctype) = if let Some(n) = file.strip_suffix(".pdf") {
        (n, SnapshotFile::Pdf, "application/pdf")
    } else if let Some(n) = file.strip_suffix(".png") {
        (n, SnapshotFile::Png, "image/png")
    } else {
        return Err(PageError::not_found());
    };
    let sid: i64 = sid.parse().map_err(|_| PageError::not_found())?;
    let (bytes, name) = st.svc.snapshot_file(&staff.ctx, id, sid, which).await?;
    Ok((
        [
            (header::CONTENT_TYPE, ctype.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

/// Take a snapshot of the current period so far, now.
pub async fn take_snapshot(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, .. }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    match st.svc.take_manual_snapshot(&staff.ctx, id, None).await {
        Ok(_) => Ok(see_other(format!("/app/kanaler/{id}?ok=snapshot#ogonblicksbilder"))),
        Err(e) => super::channels::refused(&st, &staff, lang, id, e).await,
    }
}

/// `/app/kanaler/{id}/avslut/{step}`: `snapshot`, `package` or `registered`.
pub async fn closing_step(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path((id, step)): Path<(String, String)>,
    StaffForm { staff, .. }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let done = match step.as_str() {
        "snapshot" => st.svc.take_final_snapshot(&staff.ctx, id, true).await.map(|_| "closing_snapshot"),
        "package" => st.svc.make_closing_package(&staff.ctx, id).await.map(|_| "closing_package"),
        "registered" => st.svc.register_channel_closure(&staff.ctx, id).await.map(|_| "closing_registered"),
        _ => return Err(PageError::not_found()),
    };
    match done {
        Ok(ok) => Ok(see_other(format!("/app/kanaler/{id}?ok={ok}"))),
        Err(e) => super::channels::refused(&st, &staff, lang, id, e).await,
    }
}
