//! The score of a possible match between a child profile and a family, with its reasons.
//!
//! A score starts at [`BASE`] (50) and every rule that applies adds or takes away points,
//! each with a [`Reason`] that says why in a short sentence. The score is the sum clamped to
//! 0..=100, so the reasons always explain it: a page can list them under the score and the
//! practitioner sees why a family ranks where it does. The rules and their weights:
//!
//! | rule | fits | misfit |
//! | --- | --- | --- |
//! | children in the profile against the most the family hopes for | +10 | −40 |
//! | every child's age within the family's age range | +15 | −5 a year outside (−20 at most) |
//! | each area of need the child has (health, development, education, contact) | +5 | −25 |
//! | same region | +10 | −5 |
//! | legal status against adoption or fostering | +10 | −5 or −10 |
//!
//! An area of need is a misfit when the family can meet only a lower level than the child's.
//! More children than the family wants and a need the family cannot meet are hard misfits:
//! they take away many points, but the match is still listed, because a practitioner may
//! know something the profile does not say. The score is deterministic: the same profiles on
//! the same month give the same score and the same reasons in the same order.

use std::fmt;
use std::str::FromStr;

/// Where every score starts.
pub const BASE: i32 = 50;
const CHILDREN_FIT: i32 = 10;
const CHILDREN_TOO_MANY: i32 = -40;
const AGES_FIT: i32 = 15;
const AGE_OUTSIDE_PER_YEAR: i32 = -5;
const AGE_OUTSIDE_MOST: i32 = -20;
const NEED_MET: i32 = 5;
const NEED_UNMET: i32 = -25;
const REGION_SAME: i32 = 10;
const REGION_DIFFERS: i32 = -5;
const LEGAL_SUITS: i32 = 10;
const LEGAL_AWKWARD: i32 = -5;
const LEGAL_MISFIT: i32 = -10;

/// A month of a year: children's profiles give a birth month and year, not a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    year: i32,
    month: u8,
}

impl YearMonth {
    /// The month `month` (1 to 12) of `year`; `None` for a month out of range.
    #[must_use]
    pub const fn new(year: i32, month: u8) -> Option<Self> {
        if month >= 1 && month <= 12 {
            Some(Self { year, month })
        } else {
            None
        }
    }

    /// Whole years from `birth` to `self`, counting a birthday from the first of its month;
    /// 0 for a birth month later than `self`.
    #[must_use]
    pub fn years_since(self, birth: Self) -> u32 {
        let months = (i64::from(self.year) - i64::from(birth.year)) * 12 + i64::from(self.month)
            - i64::from(birth.month);
        u32::try_from(months.max(0) / 12).unwrap_or(u32::MAX)
    }
}

macro_rules! named_enum {
    (
        $(#[$doc:meta])*
        $name:ident { $($(#[$vdoc:meta])* $variant:ident = $stored:literal, $words:literal;)+ }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vdoc])* $variant,)+ }

        impl $name {
            /// Every value, in the order forms offer them.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)+];

            /// The name stored in the database and sent by forms.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $stored,)+ }
            }

            /// The value as people read it.
            #[must_use]
            pub const fn words(self) -> &'static str {
                match self { $(Self::$variant => $words,)+ }
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;

            fn from_str(name: &str) -> Result<Self, UnknownName> {
                Self::ALL.iter().copied().find(|v| v.as_str() == name).ok_or(UnknownName)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.words())
            }
        }
    };
}

/// A stored name that is none of a type's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not one of the values this field takes")]
pub struct UnknownName;

named_enum!(
    /// How much support a child needs in one area, or a family can give.
    NeedLevel {
        /// No particular need.
        None = "none", "none";
        /// Some support.
        Low = "low", "low";
        /// Regular support.
        Medium = "medium", "medium";
        /// Substantial, lasting support.
        High = "high", "high";
    }
);

named_enum!(
    /// The court order or arrangement a child is placed under.
    LegalStatus {
        /// A placement order: the child may be placed for adoption.
        PlacementOrder = "placement_order", "placement order";
        /// An interim care order: proceedings are still running.
        InterimCareOrder = "interim_care_order", "interim care order";
        /// A full care order.
        CareOrder = "care_order", "care order";
        /// Early permanence (Fostering for Adoption): placed with carers approved to adopt.
        EarlyPermanence = "early_permanence", "early permanence (Fostering for Adoption)";
        /// The birth parents asked for the child to be adopted.
        Relinquished = "relinquished", "relinquished";
    }
);

named_enum!(
    /// What a family is approved for.
    FamilyKind {
        /// Prospective adopters.
        Adoption = "adoption", "adoption";
        /// Foster carers.
        Fostering = "fostering", "fostering";
    }
);

/// Levels in the four areas of need a profile records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Needs {
    /// Physical and mental health.
    pub health: NeedLevel,
    /// Development (learning, speech, emotional).
    pub development: NeedLevel,
    /// Education and school.
    pub education: NeedLevel,
    /// Contact arrangements with birth family.
    pub contact: NeedLevel,
}

impl Needs {
    /// Each area with its name as reasons write it.
    #[must_use]
    pub fn areas(&self) -> [(&'static str, NeedLevel); 4] {
        [
            ("health", self.health),
            ("development", self.development),
            ("education", self.education),
            ("contact", self.contact),
        ]
    }
}

/// What a child profile asks of a family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildNeeds {
    /// Birth month of each child in the profile (one, or a sibling group).
    pub births: Vec<YearMonth>,
    /// Levels of need.
    pub needs: Needs,
    /// Where the child lives now.
    pub region: String,
    /// The order the child is under.
    pub legal_status: LegalStatus,
}

/// What a family can offer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FamilyOffer {
    /// Adoption or fostering.
    pub kind: FamilyKind,
    /// The highest level of need they can meet in each area.
    pub can_meet: Needs,
    /// Youngest age (years) they hope for.
    pub age_min: u32,
    /// Eldest age (years) they hope for.
    pub age_max: u32,
    /// Most children they hope for at once.
    pub children_max: u32,
    /// Where they live.
    pub region: String,
}

/// One reason for a score: a short sentence and the points it adds (or takes away).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    /// What the practitioner reads, such as "Can meet high health needs".
    pub text: String,
    /// Points added (positive) or taken away (negative).
    pub weight: i32,
}

impl Reason {
    /// Whether the reason counts for the match.
    #[must_use]
    pub fn is_positive(&self) -> bool {
        self.weight > 0
    }

    /// The weight with its sign, such as "+10" or "-40".
    #[must_use]
    pub fn signed_weight(&self) -> String {
        format!("{:+}", self.weight)
    }
}

/// A scored possible match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    /// 0 (no fit) to 100 (fits every rule).
    pub score: u8,
    /// Why, the weightiest first.
    pub reasons: Vec<Reason>,
}

/// Scores `child` against `family` in the month `today`; see the module docs for the rules.
#[must_use]
pub fn score(child: &ChildNeeds, family: &FamilyOffer, today: YearMonth) -> Match {
    let mut reasons = Vec::new();
    let mut add = |weight: i32, text: String| reasons.push(Reason { text, weight });
    if let Some(reason) = count_reason(child.births.len(), family.children_max) {
        add(reason.weight, reason.text);
    }
    let mut ages: Vec<u32> = child.births.iter().map(|b| today.years_since(*b)).collect();
    ages.sort_unstable();
    for reason in age_reasons(&ages, family.age_min, family.age_max) {
        add(reason.weight, reason.text);
    }
    for ((area, need), (_, can)) in child.needs.areas().into_iter().zip(family.can_meet.areas()) {
        if need == NeedLevel::None {
            continue;
        }
        if can >= need {
            add(NEED_MET, format!("Can meet {need} {area} needs"));
        } else {
            add(
                NEED_UNMET,
                format!("Cannot meet {need} {area} needs (up to {can})"),
            );
        }
    }
    if let Some(reason) = region_reason(&child.region, &family.region) {
        add(reason.weight, reason.text);
    }
    let (weight, text) = legal_reason(child.legal_status, family.kind);
    add(weight, text.to_owned());
    // Weightiest first; among equals a misfit before a fit, since it is what a practitioner
    // must look into. The sort is stable, so ties keep the order the rules ran in.
    reasons.sort_by_key(|r| (std::cmp::Reverse(r.weight.abs()), r.weight));
    let total = BASE + reasons.iter().map(|r| r.weight).sum::<i32>();
    Match {
        score: u8::try_from(total.clamp(0, 100)).unwrap_or(0),
        reasons,
    }
}

fn children_words(n: u32) -> String {
    if n == 1 {
        "1 child".to_owned()
    } else {
        format!("{n} children")
    }
}

fn count_reason(count: usize, most: u32) -> Option<Reason> {
    let n = u32::try_from(count).unwrap_or(u32::MAX);
    let who = match n {
        0 => return None,
        1 => "One child".to_owned(),
        _ => format!("Sibling group of {n}"),
    };
    Some(if n <= most {
        Reason {
            text: format!("{who}, within the {} they hope for", up_to(most)),
            weight: CHILDREN_FIT,
        }
    } else {
        Reason {
            text: format!(
                "{who}, more than the {} they hope for",
                children_words(most)
            ),
            weight: CHILDREN_TOO_MANY,
        }
    })
}

fn up_to(most: u32) -> String {
    if most == 1 {
        "1 child".to_owned()
    } else {
        format!("up to {most} children")
    }
}

fn list_words(ages: &[u32]) -> String {
    match ages {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(ToString::to_string).collect();
            format!("{} and {last}", init.join(", "))
        }
    }
}

fn age_reasons(ages: &[u32], min: u32, max: u32) -> Vec<Reason> {
    let (Some(&youngest), Some(&eldest)) = (ages.first(), ages.last()) else {
        return Vec::new();
    };
    let range = format!("{min}\u{2013}{max}");
    let single = ages.len() == 1;
    let mut reasons = Vec::new();
    if eldest > max {
        let text = if single {
            format!("Aged {eldest}, above their {range} range")
        } else {
            format!("Eldest is {eldest}, above their {range} range")
        };
        reasons.push(Reason {
            text,
            weight: outside_weight(eldest - max),
        });
    }
    if youngest < min {
        let text = if single {
            format!("Aged {youngest}, below their {range} range")
        } else {
            format!("Youngest is {youngest}, below their {range} range")
        };
        reasons.push(Reason {
            text,
            weight: outside_weight(min - youngest),
        });
    }
    if reasons.is_empty() {
        let which = if single { "Age" } else { "Ages" };
        reasons.push(Reason {
            text: format!("{which} {} within their {range} range", list_words(ages)),
            weight: AGES_FIT,
        });
    }
    reasons
}

fn outside_weight(years: u32) -> i32 {
    let years = i32::try_from(years).unwrap_or(i32::MAX / 8);
    (AGE_OUTSIDE_PER_YEAR * years.min(4)).max(AGE_OUTSIDE_MOST)
}

fn region_reason(child: &str, family: &str) -> Option<Reason> {
    let (child, family) = (child.trim(), family.trim());
    if child.is_empty() || family.is_empty() {
        return None;
    }
    Some(if child.to_lowercase() == family.to_lowercase() {
        Reason {
            text: format!("Same region: {child}"),
            weight: REGION_SAME,
        }
    } else {
        Reason {
            text: format!("Region differs: {child} vs {family}"),
            weight: REGION_DIFFERS,
        }
    })
}

fn legal_reason(status: LegalStatus, kind: FamilyKind) -> (i32, &'static str) {
    use FamilyKind::{Adoption, Fostering};
    use LegalStatus as L;
    match (status, kind) {
        (L::EarlyPermanence, Adoption) => (LEGAL_SUITS, "Early permanence suits approved adopters"),
        (L::EarlyPermanence, Fostering) => (
            LEGAL_MISFIT,
            "Early permanence needs carers approved to adopt",
        ),
        (L::PlacementOrder, Adoption) => (LEGAL_SUITS, "Placement order: free to be adopted"),
        (L::Relinquished, Adoption) => (LEGAL_SUITS, "Relinquished: free to be adopted"),
        (L::PlacementOrder | L::Relinquished, Fostering) => {
            (LEGAL_AWKWARD, "The child's plan is adoption, not fostering")
        }
        (L::CareOrder | L::InterimCareOrder, Fostering) => {
            (LEGAL_SUITS, "Care proceedings suit foster carers")
        }
        (L::CareOrder, Adoption) => (LEGAL_AWKWARD, "Care order: no placement order yet"),
        (L::InterimCareOrder, Adoption) => (
            LEGAL_MISFIT,
            "Interim care order: not yet free to be adopted",
        ),
    }
}

#[cfg(test)]
#[path = "score_tests.rs"]
mod tests;
