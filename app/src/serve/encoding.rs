//! Content codings for text files: which one a request accepts, and each file
//! compressed once when it is first served (the hot-page cache then keeps the
//! result for as long as the file's version is published).

use std::io::Write;

use axum::http::{HeaderMap, HeaderValue};

/// A content coding folio sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Coding {
    Identity,
    Gzip,
    Brotli,
}

impl Coding {
    pub(super) fn header(self) -> Option<HeaderValue> {
        match self {
            Coding::Identity => None,
            Coding::Gzip => Some(HeaderValue::from_static("gzip")),
            Coding::Brotli => Some(HeaderValue::from_static("br")),
        }
    }
}

/// Smaller files go as they are: the coding's own framing would eat the gain.
pub(super) const MIN_SIZE: usize = 512;

/// gzip level. On the 1k corpus's pages (20.6 kB on average) 6 and 9 give the same
/// 31.9% in 0.67 ms: the default.
const GZIP_LEVEL: u32 = 6;
/// brotli quality, 0-11. On the same pages 5 gives 29.6% in 1.1 ms, 9 gives 29.5% in
/// 9.9 ms and 11 gives 26.9% in 46 ms: a page is compressed when first asked for
/// after a change (and again if the cache let it go), so a crawl of every page pays
/// it for each; 5 is where more CPU stops buying bytes (`docs/benchmarks.md`).
const BROTLI_QUALITY: i32 = 5;
/// brotli window: 4 MiB, larger than any file read whole.
const BROTLI_WINDOW: i32 = 22;

/// The coding to send for a request's `Accept-Encoding`: brotli, then gzip, among
/// those it accepts (a q-value of 0 refuses; `*` accepts any not named).
pub(super) fn preferred(headers: &HeaderMap) -> Coding {
    let mut gzip = None;
    let mut brotli = None;
    let mut any = None;
    for value in headers.get_all(axum::http::header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let accepted = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .map(|q| q.trim().parse::<f32>().is_ok_and(|q| q > 0.0))
                .next()
                .unwrap_or(true);
            match name.to_ascii_lowercase().as_str() {
                "br" => brotli = Some(accepted),
                "gzip" | "x-gzip" => gzip = Some(accepted),
                "*" => any = Some(accepted),
                _ => {}
            }
        }
    }
    let any = any.unwrap_or(false);
    if brotli.unwrap_or(any) {
        Coding::Brotli
    } else if gzip.unwrap_or(any) {
        Coding::Gzip
    } else {
        Coding::Identity
    }
}

pub(super) fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::new(GZIP_LEVEL),
    );
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .expect("writing to memory does not fail")
}

pub(super) fn brotli(bytes: &[u8]) -> Vec<u8> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: BROTLI_QUALITY,
        lgwin: BROTLI_WINDOW,
        size_hint: bytes.len(),
        ..Default::default()
    };
    let mut out = Vec::with_capacity(bytes.len() / 4);
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)
        .expect("writing to memory does not fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> Coding {
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).expect("ascii"),
        );
        preferred(&headers)
    }

    #[test]
    fn the_coding_is_the_best_one_the_request_accepts() {
        assert_eq!(preferred(&HeaderMap::new()), Coding::Identity);
        assert_eq!(accept("gzip, deflate, br, zstd"), Coding::Brotli);
        assert_eq!(accept("gzip"), Coding::Gzip);
        assert_eq!(accept("GZIP;q=0.5"), Coding::Gzip);
        assert_eq!(accept("br;q=0, gzip"), Coding::Gzip);
        assert_eq!(accept("br;q=0, gzip;q=0"), Coding::Identity);
        assert_eq!(accept("br;q=0.0"), Coding::Identity);
        assert_eq!(accept("*"), Coding::Brotli);
        assert_eq!(accept("*;q=0"), Coding::Identity);
        assert_eq!(accept("br;q=0, *"), Coding::Gzip);
        assert_eq!(accept("identity"), Coding::Identity);
        assert_eq!(accept("deflate, zstd"), Coding::Identity);
        assert_eq!(accept("br;q=nonsense, gzip"), Coding::Gzip);
    }

    #[test]
    fn both_codings_decode_to_the_bytes() {
        use std::io::Read;
        let text = "<p>a page, a page, a page</p>\n".repeat(100);
        let mut back = String::new();
        flate2::read::GzDecoder::new(&gzip(text.as_bytes())[..])
            .read_to_string(&mut back)
            .expect("gunzip");
        assert_eq!(back, text);
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &brotli(text.as_bytes())[..], &mut back).expect("unbrotli");
        assert_eq!(back, text.as_bytes());
    }
}
