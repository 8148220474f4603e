//! Who may do what (ROLE-1, REG-6). Enforced server-side on every route and API call; the web
//! layer asks these functions and nothing else.

use crate::{
    PersonId, UnitId,
    org::{Role, RoleGrant},
};

/// The person acting, with the roles the register gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub person: PersonId,
    pub unit: Option<UnitId>,
    pub grants: Vec<RoleGrant>,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// Chef over this unit (the unit's recorded head counts too; the caller adds that grant).
    pub fn heads(&self, unit: UnitId) -> bool {
        self.grants.iter().any(|g| g.role == Role::Chef && g.unit == Some(unit))
    }

    /// Sees every channel without acting on them (so a list of visible channels needs no
    /// per-channel check).
    pub fn reads_everything(&self) -> bool {
        [Role::SystemAdmin, Role::Kommunikator, Role::Kommunchef, Role::Registrator, Role::Arkivarie, Role::Auditor]
            .iter()
            .any(|r| self.has(*r))
    }

    /// Holds only the read-only auditor role: may look, never change.
    pub fn read_only(&self) -> bool {
        !self.grants.is_empty() && self.grants.iter().all(|g| g.role == Role::Auditor)
    }
}

/// The people a channel's activity plans name (the approved one and any revision in progress)
/// and the unit that owns it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelPeople {
    pub unit: UnitId,
    pub administrators: Vec<PersonId>,
    pub operators: Vec<PersonId>,
    pub substitute: Option<PersonId>,
    pub created_by: Option<PersonId>,
}

impl ChannelPeople {
    /// Redaktör or ersättare on this channel (ROLE-1).
    pub fn is_editor(&self, p: PersonId) -> bool {
        self.administrators.contains(&p) || self.operators.contains(&p) || self.substitute == Some(p)
    }
}

pub fn can_view_channel(a: &Actor, ch: &ChannelPeople) -> bool {
    a.reads_everything() || a.heads(ch.unit) || ch.is_editor(a.person) || ch.created_by == Some(a.person)
}

/// Edit the channel's identity and its activity plan (which then may need approval again).
pub fn can_edit_channel(a: &Actor, ch: &ChannelPeople) -> bool {
    !a.read_only()
        && (a.has(Role::Kommunikator)
            || a.heads(ch.unit)
            || ch.administrators.contains(&a.person)
            || ch.created_by == Some(a.person))
}

/// Pause, resume or close the channel.
pub fn can_change_lifecycle(a: &Actor, ch: &ChannelPeople) -> bool {
    !a.read_only() && (a.has(Role::Kommunikator) || a.heads(ch.unit) || ch.administrators.contains(&a.person))
}

/// See the login credentials in clear text (REG-6): the channel's administrators, the
/// communications unit and the kommunchef/informationsansvarig. Nobody else, not even the
/// system administrator.
pub fn can_reveal_credentials(a: &Actor, ch: &ChannelPeople) -> bool {
    !a.read_only() && (a.has(Role::Kommunikator) || a.has(Role::Kommunchef) || ch.administrators.contains(&a.person))
}

/// Store or replace credentials: the same people who may see them.
pub fn can_manage_credentials(a: &Actor, ch: &ChannelPeople) -> bool {
    can_reveal_credentials(a, ch)
}

/// Record items by hand or import them (MOD-7): the people who run the channel day to day, the
/// communications unit and the unit's head.
pub fn can_record_items(a: &Actor, ch: &ChannelPeople) -> bool {
    !a.read_only() && (a.has(Role::Kommunikator) || a.heads(ch.unit) || ch.is_editor(a.person))
}

/// Propose a new channel for a unit: the communications unit for any unit, a chef for their
/// own, and staff of the unit itself (REG-2: each unit decides its own presence).
pub fn can_create_channel(a: &Actor, unit: UnitId) -> bool {
    !a.read_only() && (a.has(Role::Kommunikator) || a.heads(unit) || a.unit == Some(unit))
}

pub fn can_view_audit(a: &Actor) -> bool {
    [Role::SystemAdmin, Role::Kommunikator, Role::Kommunchef, Role::Arkivarie, Role::Auditor].iter().any(|r| a.has(*r))
}

/// Which channels the public aggregated feed includes (PUB-2: the communications unit decides).
pub fn can_curate_public_feed(a: &Actor) -> bool {
    a.has(Role::Kommunikator)
}

/// Units, people and role grants.
pub fn can_manage_organisation(a: &Actor) -> bool {
    a.has(Role::SystemAdmin)
}

/// The party blog links on the collecting page (REG-8).
pub fn can_manage_party_links(a: &Actor) -> bool {
    a.has(Role::Kommunikator)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(person: PersonId, unit: UnitId, grants: &[RoleGrant]) -> Actor {
        Actor { person, unit: Some(unit), grants: grants.to_vec() }
    }

    fn channel() -> ChannelPeople {
        ChannelPeople {
            unit: 5,
            administrators: vec![1, 2],
            operators: vec![3],
            substitute: Some(4),
            created_by: Some(1),
        }
    }

    // REQ ROLE-1: an editor sees and acts on their own channels only.
    #[test]
    fn editors_see_only_their_own_channels() {
        let ch = channel();
        let editor = actor(3, 5, &[]);
        let stranger = actor(9, 5, &[]);
        assert!(can_view_channel(&editor, &ch));
        assert!(!can_view_channel(&stranger, &ch), "same unit is not enough to see a channel");
        assert!(!can_edit_channel(&editor, &ch), "a daily operator does not change the plan");
        assert!(can_edit_channel(&actor(1, 5, &[]), &ch));
        let substitute = actor(4, 7, &[]);
        assert!(can_view_channel(&substitute, &ch));
    }

    // REQ REG-6
    #[test]
    fn credentials_only_for_administrators_communications_and_kommunchef() {
        let ch = channel();
        assert!(can_reveal_credentials(&actor(1, 5, &[]), &ch));
        assert!(can_reveal_credentials(&actor(50, 1, &[RoleGrant::global(Role::Kommunikator)]), &ch));
        assert!(can_reveal_credentials(&actor(51, 1, &[RoleGrant::global(Role::Kommunchef)]), &ch));
        for who in [
            actor(3, 5, &[]),
            actor(4, 5, &[]),
            actor(52, 1, &[RoleGrant::global(Role::SystemAdmin)]),
            actor(53, 5, &[RoleGrant::for_unit(Role::Chef, 5)]),
            actor(54, 1, &[RoleGrant::global(Role::Auditor)]),
            actor(55, 1, &[RoleGrant::global(Role::Registrator)]),
        ] {
            assert!(!can_reveal_credentials(&who, &ch), "{who:?}");
        }
    }

    // REQ ROLE-1: the chef sees and approves for their own unit only.
    #[test]
    fn chef_is_scoped_to_own_unit() {
        let ch = channel();
        let own = actor(60, 5, &[RoleGrant::for_unit(Role::Chef, 5)]);
        let other = actor(61, 6, &[RoleGrant::for_unit(Role::Chef, 6)]);
        assert!(can_view_channel(&own, &ch) && can_change_lifecycle(&own, &ch));
        assert!(!can_view_channel(&other, &ch) && !can_change_lifecycle(&other, &ch));
        assert!(can_create_channel(&own, 5) && !can_create_channel(&other, 5));
    }

    // REQ MOD-7: the channel's editors and substitute record pasted messages; others do not.
    #[test]
    fn editors_record_items_on_their_channels() {
        let ch = channel();
        assert!(can_record_items(&actor(3, 5, &[]), &ch), "daily operator");
        assert!(can_record_items(&actor(4, 5, &[]), &ch), "substitute");
        assert!(!can_record_items(&actor(9, 5, &[]), &ch));
        assert!(!can_record_items(&actor(70, 5, &[RoleGrant::global(Role::Auditor)]), &ch));
        assert!(!can_record_items(&actor(71, 5, &[RoleGrant::global(Role::Registrator)]), &ch));
    }

    // REQ ROLE-1: the auditor reads everything and changes nothing.
    #[test]
    fn auditor_is_read_only() {
        let ch = channel();
        let auditor = actor(70, 5, &[RoleGrant::global(Role::Auditor)]);
        assert!(can_view_channel(&auditor, &ch) && can_view_audit(&auditor));
        assert!(!can_edit_channel(&auditor, &ch));
        assert!(!can_change_lifecycle(&auditor, &ch));
        assert!(!can_create_channel(&auditor, 5), "even in their own unit");
        assert!(!can_manage_party_links(&auditor) && !can_manage_organisation(&auditor));
    }

    // REQ ROLE-1
    #[test]
    fn communicator_handles_every_channel_and_party_links() {
        let k = actor(80, 1, &[RoleGrant::global(Role::Kommunikator)]);
        let ch = channel();
        assert!(can_view_channel(&k, &ch) && can_edit_channel(&k, &ch) && can_change_lifecycle(&k, &ch));
        assert!(can_create_channel(&k, 5) && can_manage_party_links(&k));
        assert!(!can_manage_organisation(&k));
    }

    // REQ ROLE-1: `reads_everything` (the shortcut a channel list takes) never lets anyone see
    // a channel that `can_view_channel` would hide, and holds for exactly the reading roles.
    #[test]
    fn reading_every_channel_is_the_view_rule_for_any_channel() {
        let stranger_channel =
            ChannelPeople { unit: 9, administrators: vec![], operators: vec![], substitute: None, created_by: None };
        for role in
            [Role::SystemAdmin, Role::Kommunikator, Role::Kommunchef, Role::Registrator, Role::Arkivarie, Role::Auditor]
        {
            let a = actor(90, 1, &[RoleGrant::global(role)]);
            assert!(a.reads_everything() && can_view_channel(&a, &stranger_channel), "{role:?}");
        }
        let editor = actor(3, 5, &[]);
        assert!(!editor.reads_everything(), "an editor sees only their own channels");
        assert!(!can_view_channel(&editor, &stranger_channel));
    }
}
