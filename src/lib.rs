//! attackmap turns MITRE ATT&CK STIX bundles into an enriched model: every
//! technique with its tactics, and the groups, software, campaigns,
//! mitigations and detections related to it, plus reverse views. The model
//! is cached as JSON and drives the queries and exporters of the `attackmap`
//! command.
//!
//! The path through the library:
//! [`loading`] reads and parses STIX → [`mapping`] builds the [`model::Model`]
//! → [`cache`] stores it → [`query`] answers questions about it.
//! [`pipeline::load`] runs the whole path, cache included.
//!
//! Getting the data: [`fetch`] downloads an official release, verified
//! against the SHA-256 pinned in [`releases`], into the local
//! [`datastore`], which also imports local files and says which stored
//! release commands use by default.
//!
//! Getting it out: [`selection`] picks techniques from the model and [`export`] renders
//! them through templates into other tools' formats (Navigator layers,
//! Splunk, Sentinel and Elastic fields, …); [`layer_check`] validates
//! Navigator layers against the model; [`sigma`] checks and fixes the
//! ATT&CK tags of Sigma rules, [`siem`] the ATT&CK fields of Splunk,
//! Sentinel and Elastic rules ([`rulefiles`] holds what both share).

#![warn(missing_docs)]

pub mod cache;
pub mod datastore;
pub mod error;
pub mod export;
pub mod fetch;
pub mod fsutil;
pub mod jsonkind;
pub mod layer_check;
pub mod loading;
pub mod mapping;
pub mod model;
pub mod pipeline;
pub mod query;
pub mod releases;
pub mod rulefiles;
pub mod selection;
pub mod siem;
pub mod sigma;
pub mod stix;
pub mod text;

pub use error::{Error, Result};
pub use model::Model;
