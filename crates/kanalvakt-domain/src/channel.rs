//! Channels and their lifecycle (REG-1, REG-9, REG-10).

use serde::{Deserialize, Serialize};

use crate::i18n::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Facebook,
    Instagram,
    X,
    Linkedin,
    Youtube,
    Tiktok,
    Mastodon,
    Bluesky,
    Blog,
    Other,
}

impl Platform {
    pub const ALL: [Platform; 10] = [
        Platform::Facebook,
        Platform::Instagram,
        Platform::X,
        Platform::Linkedin,
        Platform::Youtube,
        Platform::Tiktok,
        Platform::Mastodon,
        Platform::Bluesky,
        Platform::Blog,
        Platform::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Platform::Facebook => "facebook",
            Platform::Instagram => "instagram",
            Platform::X => "x",
            Platform::Linkedin => "linkedin",
            Platform::Youtube => "youtube",
            Platform::Tiktok => "tiktok",
            Platform::Mastodon => "mastodon",
            Platform::Bluesky => "bluesky",
            Platform::Blog => "blog",
            Platform::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            Platform::Facebook => "Facebook",
            Platform::Instagram => "Instagram",
            Platform::X => "X",
            Platform::Linkedin => "LinkedIn",
            Platform::Youtube => "YouTube",
            Platform::Tiktok => "TikTok",
            Platform::Mastodon => "Mastodon",
            Platform::Bluesky => "Bluesky",
            Platform::Blog => "Blogg/RSS",
            Platform::Other => "Annan",
        }
    }

    /// Whether visitors can normally comment or message on this platform. A blog without
    /// comments is the exception the register records per channel (REG-10).
    pub fn dialogue_by_default(self) -> bool {
        !matches!(self, Platform::Blog)
    }
}

/// Where a channel is in its life (REG-9). Plan revisions of an active channel are approved
/// without taking the channel out of `Active`; this state tracks the channel itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleState {
    Planned,
    AwaitingApproval,
    Active,
    Paused,
    Closing,
    Closed,
}

impl LifecycleState {
    pub const ALL: [LifecycleState; 6] = [
        LifecycleState::Planned,
        LifecycleState::AwaitingApproval,
        LifecycleState::Active,
        LifecycleState::Paused,
        LifecycleState::Closing,
        LifecycleState::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            LifecycleState::Planned => "planned",
            LifecycleState::AwaitingApproval => "awaiting_approval",
            LifecycleState::Active => "active",
            LifecycleState::Paused => "paused",
            LifecycleState::Closing => "closing",
            LifecycleState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == s)
    }

    pub fn label(self) -> Text {
        match self {
            LifecycleState::Planned => Text::new("Planerad", "Planned"),
            LifecycleState::AwaitingApproval => Text::new("Väntar på godkännande", "Awaiting approval"),
            LifecycleState::Active => Text::new("Aktiv", "Active"),
            LifecycleState::Paused => Text::new("Pausad", "Paused"),
            LifecycleState::Closing => Text::new("Under avslut", "Closing"),
            LifecycleState::Closed => Text::new("Avslutad", "Closed"),
        }
    }

    /// Shown on the public register (REG-7). A paused channel is still the municipality's and
    /// still answers for what stands on it.
    pub fn is_public(self) -> bool {
        matches!(self, LifecycleState::Active | LifecycleState::Paused)
    }
}

/// What can happen to a channel's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleEvent {
    /// The activity plan is sent for approval.
    Submit,
    /// An approver rejected the plan: it goes back to the planners.
    Reject,
    /// The last approval (kommunchef) was given.
    FinalApproval,
    Pause,
    Resume,
    /// Someone decided to close the channel (a reason is required by the caller).
    BeginClosing,
    /// The steps of closing are done (REC-8, REG-9; see `closing_steps`).
    FinishClosing,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", message.sv)]
pub struct TransitionError {
    pub from: LifecycleState,
    pub event: LifecycleEvent,
    pub message: Text,
}

/// The lifecycle rules (REG-9): the only way a channel changes state.
pub fn transition(from: LifecycleState, event: LifecycleEvent) -> Result<LifecycleState, TransitionError> {
    use LifecycleEvent as E;
    use LifecycleState as S;
    let to = match (from, event) {
        (S::Planned, E::Submit) => S::AwaitingApproval,
        (S::AwaitingApproval, E::Reject) => S::Planned,
        (S::AwaitingApproval, E::FinalApproval) => S::Active,
        (S::Active, E::Pause) => S::Paused,
        (S::Paused, E::Resume) => S::Active,
        // A channel that never went live has nothing to archive, but closing it still goes
        // through `Closing` so that the decision and its reason are recorded the same way.
        (S::Planned | S::AwaitingApproval | S::Active | S::Paused, E::BeginClosing) => S::Closing,
        (S::Closing, E::FinishClosing) => S::Closed,
        _ => {
            return Err(TransitionError { from, event, message: transition_message(from, event) });
        }
    };
    Ok(to)
}

fn transition_message(from: LifecycleState, event: LifecycleEvent) -> Text {
    use LifecycleEvent as E;
    let state = from.label();
    match event {
        E::Submit => Text::new(
            format!("Kanalen kan inte skickas för godkännande när den är ”{}”.", state.sv),
            format!("The channel cannot be sent for approval while it is “{}”.", state.en),
        ),
        E::Reject | E::FinalApproval => Text::new(
            format!("Kanalen väntar inte på godkännande (den är ”{}”).", state.sv),
            format!("The channel is not awaiting approval (it is “{}”).", state.en),
        ),
        E::Pause => Text::new(
            format!("Bara en aktiv kanal kan pausas (den här är ”{}”).", state.sv),
            format!("Only an active channel can be paused (this one is “{}”).", state.en),
        ),
        E::Resume => Text::new(
            format!("Bara en pausad kanal kan återupptas (den här är ”{}”).", state.sv),
            format!("Only a paused channel can be resumed (this one is “{}”).", state.en),
        ),
        E::BeginClosing => Text::new(
            format!("Kanalen kan inte stängas när den är ”{}”.", state.sv),
            format!("The channel cannot be closed while it is “{}”.", state.en),
        ),
        E::FinishClosing => Text::new(
            "Stängningen kan bara slutföras för en kanal som är under avslut.",
            "Closing can only be finished for a channel that is being closed.",
        ),
    }
}

/// A step that must be done before a closing channel may be marked closed (REC-8, REG-9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClosingStep {
    pub code: &'static str,
    pub label: Text,
    pub done: bool,
}

/// What has been done of the steps of closing a channel (REG-9, REC-7, REC-8).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClosingProgress {
    /// The decision to close and its reason are recorded.
    pub reason_recorded: bool,
    /// The final snapshot (from the last snapshot's end to the day of closing) is taken.
    pub final_snapshot: bool,
    /// The archive package (E-ARK SIP over the channel's whole life) is made.
    pub archive_package: bool,
    /// The closure is registered with the registrator (a diarienummer).
    pub closure_registered: bool,
}

/// The steps of closing a channel, in order: the recorded decision, the final snapshot, the
/// archive package and the registration of the closure. A closed channel is archived first and
/// its closure registered (REG-9, REC-8).
pub fn closing_steps(progress: ClosingProgress) -> Vec<ClosingStep> {
    vec![
        ClosingStep {
            code: "reason",
            label: Text::new("Beslut och skäl att stänga är registrerade", "Decision and reason to close recorded"),
            done: progress.reason_recorded,
        },
        ClosingStep {
            code: "snapshot",
            label: Text::new("Slutlig ögonblicksbild tagen", "Final snapshot taken"),
            done: progress.final_snapshot,
        },
        ClosingStep {
            code: "package",
            label: Text::new("Arkivpaket (E-ARK SIP) framställt", "Archive package (E-ARK SIP) made"),
            done: progress.archive_package,
        },
        ClosingStep {
            code: "registered",
            label: Text::new("Stängningen registrerad hos registrator", "Closure registered with the registrar"),
            done: progress.closure_registered,
        },
    ]
}

/// Whether every closing step is done.
pub fn closing_complete(progress: ClosingProgress) -> bool {
    closing_steps(progress).iter().all(|s| s.done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use LifecycleEvent as E;
    use LifecycleState as S;

    // REQ REG-9
    #[test]
    fn lifecycle_runs_planned_to_closed() {
        let mut s = S::Planned;
        for e in [E::Submit, E::FinalApproval, E::Pause, E::Resume, E::BeginClosing, E::FinishClosing] {
            s = transition(s, e).unwrap();
        }
        assert_eq!(s, S::Closed);
    }

    // REQ REG-4: a channel becomes active only through the final approval.
    #[test]
    fn only_final_approval_activates() {
        for from in S::ALL {
            for e in [E::Submit, E::Reject, E::Pause, E::Resume, E::BeginClosing, E::FinishClosing] {
                if let Ok(to) = transition(from, e) {
                    assert!(to != S::Active || from == S::Paused, "{from:?} --{e:?}--> Active must not be possible");
                }
            }
        }
        assert!(transition(S::Planned, E::FinalApproval).is_err());
    }

    // REQ REG-9
    #[test]
    fn closed_is_final_and_rejection_returns_to_planned() {
        for e in [E::Submit, E::Reject, E::FinalApproval, E::Pause, E::Resume, E::BeginClosing, E::FinishClosing] {
            assert!(transition(S::Closed, e).is_err());
        }
        assert_eq!(transition(S::AwaitingApproval, E::Reject).unwrap(), S::Planned);
        let err = transition(S::Active, E::Resume).unwrap_err();
        assert!(err.message.sv.contains("Aktiv"), "{}", err.message.sv);
    }

    #[test]
    fn codes_round_trip() {
        for p in Platform::ALL {
            assert_eq!(Platform::parse(p.code()), Some(p));
        }
        for s in S::ALL {
            assert_eq!(S::parse(s.code()), Some(s));
        }
    }

    // REQ REG-10
    #[test]
    fn blogs_have_no_dialogue_by_default() {
        assert!(!Platform::Blog.dialogue_by_default());
        assert!(Platform::Facebook.dialogue_by_default());
    }

    // REQ REG-9, REC-8: closing needs the recorded reason, the final snapshot, the archive
    // package and the registered closure; each one missing keeps the channel open.
    #[test]
    fn closing_needs_every_records_step() {
        let all = ClosingProgress {
            reason_recorded: true,
            final_snapshot: true,
            archive_package: true,
            closure_registered: true,
        };
        assert!(closing_complete(all));
        let steps = closing_steps(all);
        assert_eq!(steps.iter().map(|s| s.code).collect::<Vec<_>>(), ["reason", "snapshot", "package", "registered"]);
        assert!(steps.iter().all(|s| !s.label.sv.is_empty() && !s.label.en.is_empty() && s.label.sv != s.label.en));
        for missing in 0..4 {
            let mut p = all;
            match missing {
                0 => p.reason_recorded = false,
                1 => p.final_snapshot = false,
                2 => p.archive_package = false,
                _ => p.closure_registered = false,
            }
            assert!(!closing_complete(p), "step {missing} missing");
            assert!(!closing_steps(p)[missing].done);
        }
        assert!(!closing_complete(ClosingProgress { reason_recorded: true, ..Default::default() }));
    }
}
