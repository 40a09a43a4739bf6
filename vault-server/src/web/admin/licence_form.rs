//! The licence and rules form of an organisation, shared by the new-organisation and edit
//! pages: its fields, their checks, and the licence in words for the list and the trail.

use serde::Deserialize;

use crate::web::form;
use crate::web::licence::{OrgSettings, DEFAULT_OPEN_LINK_CAP};
use crate::web::page::FieldErrors;
use crate::web::visibility;

/// Most open links per family the platform admin may allow.
const MAX_OPEN_LINK_CAP: i64 = 20;

/// The licence fields, as the forms send them (and show them again).
#[derive(Deserialize, Default)]
pub(super) struct LicenceForm {
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) expires: String,
    #[serde(default)]
    pub(super) active: Option<String>,
    #[serde(default)]
    pub(super) cap: String,
    #[serde(default)]
    pub(super) families_edit_own: Option<String>,
    #[serde(default)]
    pub(super) region: String,
}

impl LicenceForm {
    pub(super) fn of(name: &str, s: &OrgSettings) -> Self {
        Self {
            name: name.to_owned(),
            expires: s.licence_expires_on.clone(),
            active: s.licence_active.then(|| "1".to_owned()),
            cap: s.open_link_cap.to_string(),
            families_edit_own: s.families_edit_own.then(|| "1".to_owned()),
            region: s.region.clone(),
        }
    }
}

/// The licence in words: "active until …", "expired on …", "switched off", "none".
pub(super) fn licence_words(active: Option<i64>, expires: Option<&str>) -> String {
    match (active, expires) {
        (Some(1), Some(day)) if day >= visibility::today().as_str() => {
            format!("active until {day}")
        }
        (Some(1), Some(day)) => format!("expired on {day}"),
        (Some(_), Some(day)) => format!("switched off (until {day})"),
        _ => "none".to_owned(),
    }
}

/// Checks the licence fields; `new` also requires a name and a date from today on.
pub(super) fn check(f: &LicenceForm, new: bool) -> Result<(String, OrgSettings), FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = match crate::checks::label(&f.name, 200, "") {
        Ok(ok) => ok.to_owned(),
        Err(_) if new => {
            errors.add(
                "name",
                "Enter a name of 1 to 200 characters, without control or invisible \
                 formatting characters.",
            );
            String::new()
        }
        Err(_) => String::new(),
    };
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let expires = f.expires.trim();
    match time::Date::parse(expires, &format) {
        Ok(_) if new && expires < visibility::today().as_str() => {
            errors.add("expires", "Choose today or a later day.");
        }
        Ok(_) => {}
        Err(time::error::Parse::TryFromParsed(_)) => {
            errors.add(
                "expires",
                "That day does not exist; check the day and the month.",
            );
        }
        Err(_) => errors.add("expires", "Enter a date as YYYY-MM-DD, such as 2027-03-31."),
    }
    let cap = form::number(&f.cap, 1, MAX_OPEN_LINK_CAP).unwrap_or_else(|m| {
        errors.add("cap", m);
        DEFAULT_OPEN_LINK_CAP
    });
    let region = form::text(&f.region, 100, false).unwrap_or_else(|m| {
        errors.add("region", m);
        String::new()
    });
    if !errors.is_empty() {
        return Err(errors);
    }
    let settings = OrgSettings {
        licence_active: f.active.is_some(),
        licence_expires_on: expires.to_owned(),
        open_link_cap: cap,
        families_edit_own: f.families_edit_own.is_some(),
        region,
    };
    Ok((name, settings))
}

/// The licence and rules in words, for the activity trail.
pub(super) fn licence_summary(s: &OrgSettings) -> String {
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    format!(
        "licence {} until {}, at most {} open links per family, families edit their own \
         profile: {}, region: {}",
        if s.licence_active { "active" } else { "off" },
        s.licence_expires_on,
        s.open_link_cap,
        yes_no(s.families_edit_own),
        if s.region.is_empty() {
            "none"
        } else {
            &s.region
        },
    )
}
