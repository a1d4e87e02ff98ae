//! A theme's words in the site's language: `locales/en.toml`, `locales/fr.toml`... in
//! the theme, each a table of phrases (and `months`, `date_pattern` for dates). The
//! site's `language` picks one (`pt-BR`, else `pt`), and English fills in any phrase
//! it lacks, so a half-translated theme still reads.

use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct Locales(HashMap<String, toml::Table>);

impl Locales {
    /// Reads the locale file for `tag` (its name without `.toml`).
    pub(super) fn add(&mut self, tag: &str, bytes: &[u8]) -> Result<(), String> {
        let text = std::str::from_utf8(bytes).map_err(|_| "not valid UTF-8".to_owned())?;
        let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        self.0.insert(tag.to_ascii_lowercase(), table);
        Ok(())
    }

    /// The words for `language`: English, then its primary language's, then its own.
    pub fn words(&self, language: &str) -> toml::Table {
        let mut words = self.0.get("en").cloned().unwrap_or_default();
        let language = language.to_ascii_lowercase();
        let primary = language.split('-').next().unwrap_or_default();
        for tag in [primary, language.as_str()] {
            if let Some(found) = self.0.get(tag).filter(|_| tag != "en") {
                words.extend(found.clone());
            }
        }
        words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_language_falls_back_to_its_primary_then_english() {
        let mut locales = Locales::default();
        locales
            .add("en", b"by = \"by\"\nmin_read = \"min read\"\ntag = \"Tag\"")
            .expect("en");
        locales
            .add("pt", b"by = \"por\"\nmin_read = \"min de leitura\"")
            .expect("pt");
        locales
            .add("pt-BR", b"min_read = \"min de leitura (BR)\"")
            .expect("pt-BR");
        let words = locales.words("pt-BR");
        assert_eq!(words["by"].as_str(), Some("por"));
        assert_eq!(words["min_read"].as_str(), Some("min de leitura (BR)"));
        assert_eq!(words["tag"].as_str(), Some("Tag"), "English fills the gaps");
        assert_eq!(locales.words("ja")["by"].as_str(), Some("by"));
        assert!(locales.add("xx", b"by = ").is_err());
    }
}
