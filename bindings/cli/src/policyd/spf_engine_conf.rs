//! PLACEHOLDER on branch `policyd` only, so that it builds: the real reader is written on branch `policyd-conf` (same path, same interface); when merging, take that file and drop this commit.
use spfkit::policy::{Settings, SettingsError};

/// Settings converted from a policyd-spf.conf.
pub struct Converted {
    /// The settings (`log_only` folded in).
    pub settings: Settings,
    /// Keys with no exact equivalent, to log at start.
    pub warnings: Vec<String>,
    /// `Lookup_Time`.
    pub timeout: Option<std::time::Duration>,
    /// `TestOnly = 0`.
    pub log_only: bool,
}

/// Placeholder: always an error.
pub fn settings_from_policyd_spf_conf(_text: &str, file: &str) -> Result<Converted, SettingsError> {
    Err(SettingsError {
        file: file.to_owned(),
        line: None,
        key: "(file)".to_owned(),
        message: "placeholder: the policyd-spf.conf reader comes from branch policyd-conf".to_owned(),
    })
}
