//! Identifier newtypes.
//!
//! Every object the platform stores is named by a random UUID. Clients choose the ids of the
//! cases and documents they create, so that a signed statement can name the object before the
//! server has seen it; the server refuses an id that is already taken. Each kind of id is its own
//! type so that a case id can never be passed where a document id is meant.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh random id.
            #[must_use]
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }

            /// Wraps an existing UUID.
            #[must_use]
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The UUID inside.
            #[must_use]
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }

            /// The 16 raw bytes, as used in canonical statement encodings.
            #[must_use]
            pub fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// An organisation (local authority, adoption agency, fostering provider).
    OrgId
);
id_type!(
    /// A person's account on the platform.
    UserId
);
id_type!(
    /// A case file, owned by one organisation at a time.
    CaseId
);
id_type!(
    /// A sealed document inside a case.
    DocumentId
);
id_type!(
    /// A pending or settled offer to transfer a case to another organisation.
    TransferId
);
id_type!(
    /// A child profile of the matching app: one child or a sibling group.
    ChildProfileId
);
id_type!(
    /// A family profile of the matching app: prospective adopters or foster carers.
    FamilyProfileId
);
id_type!(
    /// An expression of interest ("link") of a family in a child profile.
    LinkId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse_round_trip() {
        let id = CaseId::new();
        let parsed: CaseId = id.to_string().parse().unwrap();
        assert_eq!(id, parsed);
    }

    #[test]
    fn serde_is_a_bare_string() {
        let id = DocumentId::new();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
    }
}
