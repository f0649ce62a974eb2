//! Output for people first: aligned, coloured on a terminal, plain when piped.

use std::io::IsTerminal;

/// Styles text when stdout (or stderr) is a terminal and `NO_COLOR` is unset.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    colour: bool,
}

impl Style {
    /// For standard output.
    pub fn stdout() -> Style {
        Style {
            colour: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    /// For standard error.
    pub fn stderr() -> Style {
        Style {
            colour: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Success.
    pub fn good(&self, text: &str) -> String {
        self.paint("32", text)
    }

    /// Failure.
    pub fn bad(&self, text: &str) -> String {
        self.paint("31", text)
    }

    /// A warning.
    pub fn warn(&self, text: &str) -> String {
        self.paint("33", text)
    }

    /// Less important.
    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    /// A heading.
    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
}

/// RFC 3339 text for a time.
pub fn date(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}
