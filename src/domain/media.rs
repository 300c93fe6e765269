//! Uploaded pictures (SECURITY.md 2.7): the type is sniffed from the bytes
//! (never the name or the browser's word), the size in pixels is checked from
//! the header before anything is decoded, decoding runs under memory limits,
//! the picture is turned upright, shrunk and re-encoded — which drops EXIF,
//! GPS and anything else hidden in the file — and stored under a random name.

use std::io::{Cursor, Write};
use std::path::Path;

use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// Larger pictures are refused before decoding (a decompression bomb is small on disk).
pub const MAX_SIDE: u32 = 8000;
/// Memory the decoder may take for one picture.
const MAX_DECODE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Avatar,
    Banner,
}

impl Kind {
    pub fn max_bytes(self, config: &crate::config::MediaConfig) -> usize {
        let kib = match self {
            Kind::Avatar => config.avatar_max_kib,
            Kind::Banner => config.banner_max_kib,
        };
        kib as usize * 1024
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum MediaError {
    TooLarge,
    NotAPicture,
    TooManyPixels,
    Unreadable,
}

impl MediaError {
    pub fn message(&self) -> &'static str {
        match self {
            MediaError::TooLarge => msg!("This file is too large."),
            MediaError::NotAPicture => msg!("Only JPEG, PNG, WebP and GIF pictures can be uploaded."),
            MediaError::TooManyPixels => msg!("This picture has too many pixels: at most 8000 on each side."),
            MediaError::Unreadable => msg!("This picture could not be read. Is the file complete?"),
        }
    }
}

/// The format the bytes really are, if it is one we accept.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(ImageFormat::Gif)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(ImageFormat::WebP)
    } else {
        None
    }
}

#[derive(Debug)]
pub struct Processed {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub extension: &'static str,
    pub width: u32,
    pub height: u32,
}

pub fn process(bytes: &[u8], kind: Kind, max_bytes: usize) -> Result<Processed, MediaError> {
    if bytes.len() > max_bytes {
        return Err(MediaError::TooLarge);
    }
    let format = sniff(bytes).ok_or(MediaError::NotAPicture)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(classify)?;
    let (w, h) = decoder.dimensions();
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(MediaError::TooManyPixels);
    }
    let orientation = decoder.orientation().ok();
    let mut picture = DynamicImage::from_decoder(decoder).map_err(classify)?;
    if let Some(orientation) = orientation {
        picture.apply_orientation(orientation);
    }
    let picture = match kind {
        // Avatars are squares; banners keep their shape, at most 1500 wide.
        Kind::Avatar => picture.resize_to_fill(400, 400, FilterType::Lanczos3),
        Kind::Banner if picture.width() > 1500 => picture.resize(1500, u32::MAX, FilterType::Lanczos3),
        Kind::Banner => picture,
    };
    encode(picture)
}

/// JPEG for photographs; PNG when the picture has transparency.
fn encode(picture: DynamicImage) -> Result<Processed, MediaError> {
    let (width, height) = (picture.width(), picture.height());
    let mut out = Vec::new();
    if picture.color().has_alpha() {
        picture
            .to_rgba8()
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .map_err(|_| MediaError::Unreadable)?;
        Ok(Processed { bytes: out, content_type: "image/png", extension: "png", width, height })
    } else {
        let rgb = picture.to_rgb8();
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
        rgb.write_with_encoder(encoder).map_err(|_| MediaError::Unreadable)?;
        Ok(Processed { bytes: out, content_type: "image/jpeg", extension: "jpg", width, height })
    }
}

fn classify(error: image::ImageError) -> MediaError {
    match error {
        image::ImageError::Limits(_) => MediaError::TooManyPixels,
        image::ImageError::Unsupported(_) => MediaError::NotAPicture,
        _ => MediaError::Unreadable,
    }
}

/// Writes the picture under a fresh random name: temp file, fsync, rename,
/// so a crash never leaves a half-written file under a real name.
pub fn store(dir: &Path, picture: &Processed) -> std::io::Result<String> {
    std::fs::create_dir_all(dir)?;
    let name = format!("{}.{}", crate::secrets::random_token(), picture.extension);
    let temp = dir.join(format!(".{name}.partial"));
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(&picture.bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, dir.join(&name))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.map(|_| name)
}

/// Only names we generate are ever opened: base64url characters and our extensions.
pub fn is_stored_name(name: &str) -> bool {
    let Some((stem, ext)) = name.rsplit_once('.') else { return false };
    stem.len() == 43
        && stem.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && matches!(ext, "jpg" | "png")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let picture = image::RgbImage::from_pixel(width, height, image::Rgb([200, 100, 50]));
        let mut out = Vec::new();
        picture.write_to(&mut Cursor::new(&mut out), ImageFormat::Png).expect("encode");
        out
    }

    #[test]
    fn pictures_are_resized_and_reencoded() {
        let avatar = process(&png(1000, 600), Kind::Avatar, 1 << 20).expect("avatar");
        assert_eq!((avatar.width, avatar.height, avatar.content_type), (400, 400, "image/jpeg"));
        let banner = process(&png(3000, 1000), Kind::Banner, 1 << 20).expect("banner");
        assert_eq!((banner.width, banner.height), (1500, 500));
        assert_eq!(sniff(&banner.bytes), Some(ImageFormat::Jpeg));
    }

    #[test]
    fn refusals() {
        assert_eq!(
            process(b"<svg xmlns='http://www.w3.org/2000/svg'/>", Kind::Avatar, 1 << 20).unwrap_err(),
            MediaError::NotAPicture
        );
        assert_eq!(
            process(b"{\"type\":\"Person\"}", Kind::Avatar, 1 << 20).unwrap_err(),
            MediaError::NotAPicture
        );
        assert_eq!(process(&png(10, 10), Kind::Avatar, 10).unwrap_err(), MediaError::TooLarge);
        let truncated = &png(50, 50)[..60];
        assert_eq!(process(truncated, Kind::Avatar, 1 << 20).unwrap_err(), MediaError::Unreadable);
    }

    #[test]
    fn stored_names_are_checked() {
        assert!(is_stored_name(&format!("{}.jpg", "a".repeat(43))));
        assert!(!is_stored_name("../../etc/passwd"));
        assert!(!is_stored_name(&format!("{}.svg", "a".repeat(43))));
        assert!(!is_stored_name(&format!("{}/x.jpg", "a".repeat(41))));
    }
}
