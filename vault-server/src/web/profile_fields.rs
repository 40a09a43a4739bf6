//! The words and form pieces child and family profiles share: need levels, legal and approval
//! statuses, who may see a profile, its social worker and case file, and reading a posted form
//! field by field.
//!
//! Profile forms are read as (name, value) pairs rather than into a fixed struct: the child
//! rows and the named organisations repeat, and a missing or odd field must become a message
//! next to that field (422), never a refused form.

use serde::Deserialize;
use vault_core::ids::UserId;

use super::form;
use super::page::FieldErrors;
use super::profile_words::{one_of, options, options_of, Opt, Words, STATUSES, VISIBILITY};

/// A posted form as (name, value) pairs, in the order sent.
#[derive(Deserialize, Default)]
#[serde(transparent)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, or "" when the form has none.
    #[must_use]
    pub fn one(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    #[must_use]
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// What the values of either kind of profile answer, whatever page shows them.
pub trait ProfileValues: Sized {
    /// A new profile's form: `creator` as social worker, the organisation's usual region.
    fn blank(creator: UserId, region: String) -> Self;
    /// The posted fields, unchecked.
    fn read(fields: &Fields) -> Self;
    /// Names of the fields that differ from `old`, for the trail (status apart).
    fn changes(&self, old: &Self) -> Option<String>;
    /// Region, social worker, visibility and status.
    fn shared(&self) -> &Sharing;
}

/// Where a profile is kept and who may see it: the fields both kinds share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sharing {
    /// The area the profile belongs to.
    pub region: String,
    /// User id of the social worker.
    pub social_worker: String,
    /// Case id, or "" for none.
    pub case: String,
    /// own, named or all.
    pub visibility: String,
    /// Organisation ids a 'named' profile is shown to.
    pub orgs: Vec<String>,
    /// active or archived.
    pub status: String,
}

/// What the sharing fields may be set to, read from the database.
#[derive(Default)]
pub struct Choices {
    /// (user id, name) of the organisation's practitioners and managers.
    pub staff: Vec<(String, String)>,
    /// (case id, reference) of the organisation's case files.
    pub cases: Vec<(String, String)>,
    /// (org id, name) of organisations a profile may be shown to by name.
    pub orgs: Vec<(String, String)>,
}

/// The sharing fields as a form shows them.
pub struct SharingView {
    /// Region as typed.
    pub region: String,
    /// Social worker select.
    pub staff: Vec<Opt>,
    /// Case select; the first option is "no case file".
    pub cases: Vec<Opt>,
    /// Organisation checkboxes.
    pub orgs: Vec<Opt>,
    /// Visibility radio buttons.
    pub visibility: Vec<Opt>,
    /// Status select; empty on a new profile, which starts active.
    pub statuses: Vec<Opt>,
}

fn has(pairs: &[(String, String)], id: &str) -> bool {
    pairs.iter().any(|(v, _)| v == id)
}

impl Sharing {
    /// A new profile's sharing: `creator` as social worker, shown to its own organisation.
    #[must_use]
    pub fn new(creator: UserId, region: String) -> Self {
        Self {
            region,
            social_worker: creator.to_string(),
            case: String::new(),
            visibility: "own".to_owned(),
            orgs: Vec::new(),
            status: "active".to_owned(),
        }
    }

    /// The posted sharing fields; a form without a status (a new profile) means active.
    #[must_use]
    pub fn read(fields: &Fields) -> Self {
        let status = match fields.one("status").trim() {
            "" => "active".to_owned(),
            s => s.to_owned(),
        };
        let mut orgs: Vec<String> = fields
            .all("org")
            .iter()
            .map(|o| o.trim().to_owned())
            .collect();
        orgs.sort();
        orgs.dedup();
        Self {
            region: fields.one("region").to_owned(),
            social_worker: fields.one("social_worker").trim().to_owned(),
            case: fields.one("case").trim().to_owned(),
            visibility: fields.one("visibility").trim().to_owned(),
            orgs,
            status,
        }
    }

    /// Normalises the fields and adds a message next to each one that is wrong.
    pub fn check(&mut self, choices: &Choices, errors: &mut FieldErrors) {
        match form::required(&self.region, 80, false) {
            Ok(region) => self.region = region,
            Err(message) => errors.add("region", message),
        }
        if !has(&choices.staff, &self.social_worker) {
            errors.add(
                "social_worker",
                "Choose a practitioner or manager of your organisation.",
            );
        }
        if !self.case.is_empty() && !has(&choices.cases, &self.case) {
            errors.add(
                "case",
                "Choose one of your organisation's case files, or none.",
            );
        }
        if one_of(VISIBILITY, &self.visibility).is_err() {
            errors.add("visibility", "Choose who may see this profile.");
        }
        if self.orgs.iter().any(|o| !has(&choices.orgs, o)) {
            errors.add("org", "Choose organisations from the list.");
        } else if self.visibility == "named" && self.orgs.is_empty() {
            errors.add(
                "org",
                "Choose at least one organisation to show this profile to.",
            );
        }
        if self.visibility != "named" {
            self.orgs.clear();
        }
        if one_of(STATUSES, &self.status).is_err() {
            errors.add("status", "Choose active or archived.");
        }
    }

    /// The form's view of these fields; `editing` shows the status select.
    #[must_use]
    pub fn view(&self, choices: &Choices, editing: bool) -> SharingView {
        let mut cases = vec![Opt {
            value: String::new(),
            label: "No case file".to_owned(),
            selected: self.case.is_empty(),
        }];
        cases.extend(options_of(&choices.cases, std::slice::from_ref(&self.case)));
        SharingView {
            region: self.region.clone(),
            staff: options_of(&choices.staff, std::slice::from_ref(&self.social_worker)),
            cases,
            orgs: options_of(&choices.orgs, &self.orgs),
            visibility: options(VISIBILITY, &self.visibility),
            statuses: if editing {
                options(STATUSES, &self.status)
            } else {
                Vec::new()
            },
        }
    }

    /// Names of the fields that differ from `old` (status apart, see [`status_change`]).
    pub fn changes(&self, old: &Self, out: &mut Vec<&'static str>) {
        if self.region != old.region {
            out.push("region");
        }
        if self.social_worker != old.social_worker {
            out.push("social worker");
        }
        if self.case != old.case {
            out.push("case file");
        }
        if self.visibility != old.visibility || self.orgs != old.orgs {
            out.push("who may see it");
        }
    }
}

/// The trail's words for a status change, if the status changed.
#[must_use]
pub fn status_change(old: &str, new: &str) -> Option<&'static str> {
    match (old, new) {
        (a, b) if a == b => None,
        (_, "archived") => Some("archived the profile"),
        _ => Some("made the profile active again"),
    }
}

/// The trail entries of an edit: the fields changed (from the kind's own comparison), then the
/// status change, each its own entry; none when nothing changed.
#[must_use]
pub fn edit_summaries(fields: Option<String>, old: &Sharing, new: &Sharing) -> Vec<String> {
    let status = status_change(&old.status, &new.status).map(str::to_owned);
    fields.into_iter().chain(status).collect()
}

/// The trail's words for an edit: "changed legal status, region".
#[must_use]
pub fn changed(fields: &[&str]) -> Option<String> {
    if fields.is_empty() {
        None
    } else {
        Some(format!("changed {}", fields.join(", ")))
    }
}

/// Checks a text field into place, adding its message under `key` when it is wrong.
pub fn check_text(
    value: &mut String,
    key: &'static str,
    max: usize,
    need: bool,
    errors: &mut FieldErrors,
) {
    let checked = if need {
        form::required(value, max, true)
    } else {
        form::text(value, max, true)
    };
    match checked {
        Ok(v) => *value = v,
        Err(message) => errors.add(key, message),
    }
}

/// Checks a choice from a closed list into place.
pub fn check_choice(value: &mut String, key: &'static str, words: Words, errors: &mut FieldErrors) {
    match one_of(words, value) {
        Ok(v) => *value = v,
        Err(message) => errors.add(key, message),
    }
}

/// "Mia", "Mia and Leo", "Mia, Leo and Ava".
#[must_use]
pub fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_join_as_people_write_them() {
        let names = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(join_names(&names(&["Mia"])), "Mia");
        assert_eq!(join_names(&names(&["Mia", "Leo"])), "Mia and Leo");
        assert_eq!(
            join_names(&names(&["Mia", "Leo", "Ava"])),
            "Mia, Leo and Ava"
        );
    }

    #[test]
    fn a_named_profile_needs_an_organisation_and_others_drop_theirs() {
        let choices = Choices {
            staff: vec![("u1".into(), "Ana".into())],
            cases: Vec::new(),
            orgs: vec![("o2".into(), "South".into())],
        };
        let mut sharing = Sharing {
            region: " North ".into(),
            social_worker: "u1".into(),
            case: String::new(),
            visibility: "named".into(),
            orgs: Vec::new(),
            status: "active".into(),
        };
        let mut errors = FieldErrors::new();
        sharing.check(&choices, &mut errors);
        assert_eq!(
            errors.get("org"),
            Some("Choose at least one organisation to show this profile to.")
        );
        assert_eq!(sharing.region, "North");
        sharing.visibility = "all".into();
        sharing.orgs = vec!["o2".into()];
        let mut errors = FieldErrors::new();
        sharing.check(&choices, &mut errors);
        assert!(errors.is_empty());
        assert!(sharing.orgs.is_empty());
    }

    #[test]
    fn status_changes_read_as_actions() {
        assert_eq!(status_change("active", "active"), None);
        assert_eq!(
            status_change("active", "archived"),
            Some("archived the profile")
        );
        assert_eq!(
            status_change("archived", "active"),
            Some("made the profile active again")
        );
    }
}
