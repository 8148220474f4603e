//! The organisation: förvaltningar and bolag, and the roles people hold (ROLE-1).

use serde::{Deserialize, Serialize};

use crate::{UnitId, i18n::Text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// A department of the municipality, led by a förvaltningschef.
    Forvaltning,
    /// A municipal company, led by a VD.
    Bolag,
}

impl UnitKind {
    pub const ALL: [UnitKind; 2] = [UnitKind::Forvaltning, UnitKind::Bolag];

    pub fn code(self) -> &'static str {
        match self {
            UnitKind::Forvaltning => "forvaltning",
            UnitKind::Bolag => "bolag",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label(self) -> Text {
        match self {
            UnitKind::Forvaltning => Text::new("Förvaltning", "Department"),
            UnitKind::Bolag => Text::new("Bolag", "Municipal company"),
        }
    }

    /// What the head of such a unit is called.
    pub fn head_title(self) -> Text {
        match self {
            UnitKind::Forvaltning => Text::new("Förvaltningschef", "Head of department"),
            UnitKind::Bolag => Text::new("VD", "Managing director"),
        }
    }
}

/// A role held across the organisation or, for `Chef`, over one unit. The per-channel roles
/// (redaktör, ersättare) are not granted here: they follow from the channel's approved activity
/// plan, so the plan stays the one source of truth for who runs a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the system: users, units. Sees the register but not credentials.
    SystemAdmin,
    /// The communications unit: every channel, the register, statistics (ROLE-1, ROLE-3).
    Kommunikator,
    /// Head of a unit: approves activity plans of their own unit.
    Chef,
    /// Kommunchef / informationsansvarig: final approval, holds credentials (REG-4, REG-6).
    Kommunchef,
    /// Registry clerk.
    Registrator,
    /// Archivist.
    Arkivarie,
    /// Reads everything, changes nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::SystemAdmin,
        Role::Kommunikator,
        Role::Chef,
        Role::Kommunchef,
        Role::Registrator,
        Role::Arkivarie,
        Role::Auditor,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::Kommunikator => "kommunikator",
            Role::Chef => "chef",
            Role::Kommunchef => "kommunchef",
            Role::Registrator => "registrator",
            Role::Arkivarie => "arkivarie",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == s)
    }

    pub fn label(self) -> Text {
        match self {
            Role::SystemAdmin => Text::new("Systemadministratör", "System administrator"),
            Role::Kommunikator => Text::new("Kommunikatör", "Communicator"),
            Role::Chef => Text::new("Chef", "Manager"),
            Role::Kommunchef => Text::new("Kommunchef / informationsansvarig", "Chief executive / head of information"),
            Role::Registrator => Text::new("Registrator", "Registry clerk"),
            Role::Arkivarie => Text::new("Arkivarie", "Archivist"),
            Role::Auditor => Text::new("Granskare (läsbehörighet)", "Auditor (read only)"),
        }
    }

    /// Whether the role is held over one unit rather than the whole organisation.
    pub fn is_unit_scoped(self) -> bool {
        matches!(self, Role::Chef)
    }
}

/// One role held by a person; `unit` is set for unit-scoped roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RoleGrant {
    pub role: Role,
    pub unit: Option<UnitId>,
}

impl RoleGrant {
    pub fn global(role: Role) -> Self {
        RoleGrant { role, unit: None }
    }

    pub fn for_unit(role: Role, unit: UnitId) -> Self {
        RoleGrant { role, unit: Some(unit) }
    }
}
