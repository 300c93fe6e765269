//! The smallest ZIP writer an OpenDocument file needs: whole entries in
//! memory, stored or deflated, no ZIP64, no data descriptors. Hand-rolled
//! because a `zip` crate would bring encryption and codecs we never use.

/// How an entry's bytes are kept.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Method {
    /// As is: ODF requires it for `mimetype`, so tools can sniff the type.
    Stored,
    /// Raw DEFLATE (method 8).
    Deflated,
}

/// Accumulates entries and their central-directory records.
pub struct ZipWriter {
    out: Vec<u8>,
    central: Vec<u8>,
    entries: u16,
}

/// 1980-01-01 00:00, the earliest DOS date: the export stays a pure function
/// of its input (same table, same bytes), and no reader cares about the date.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;

impl ZipWriter {
    pub fn new() -> Self {
        ZipWriter { out: Vec::new(), central: Vec::new(), entries: 0 }
    }

    /// Appends one entry. Names are ASCII paths chosen by our own code.
    pub fn add(&mut self, name: &str, data: &[u8], method: Method) {
        let crc = crc32(data);
        let deflated;
        let (code, body): (u16, &[u8]) = match method {
            Method::Stored => (0, data),
            Method::Deflated => {
                deflated = miniz_oxide::deflate::compress_to_vec(data, 6);
                (8, &deflated)
            }
        };
        // Beyond 4 GiB a ZIP needs ZIP64; an export never gets near it, and
        // saturating keeps this infallible rather than panicking.
        let size = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let offset = size(self.out.len());
        let name_len = u16::try_from(name.len()).unwrap_or(u16::MAX);

        // Local file header.
        put32(&mut self.out, 0x0403_4b50);
        put16(&mut self.out, 20); // version needed: 2.0 (deflate)
        put16(&mut self.out, 0); // flags: sizes known up front, no descriptor
        put16(&mut self.out, code);
        put16(&mut self.out, DOS_TIME);
        put16(&mut self.out, DOS_DATE);
        put32(&mut self.out, crc);
        put32(&mut self.out, size(body.len()));
        put32(&mut self.out, size(data.len()));
        put16(&mut self.out, name_len);
        put16(&mut self.out, 0); // no extra field (ODF forbids one on mimetype)
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(body);

        // Central directory record, written out by `finish`.
        let c = &mut self.central;
        put32(c, 0x0201_4b50);
        put16(c, 20); // made by: MS-DOS attributes, spec 2.0
        put16(c, 20);
        put16(c, 0);
        put16(c, code);
        put16(c, DOS_TIME);
        put16(c, DOS_DATE);
        put32(c, crc);
        put32(c, size(body.len()));
        put32(c, size(data.len()));
        put16(c, name_len);
        put16(c, 0); // extra
        put16(c, 0); // comment
        put16(c, 0); // disk number
        put16(c, 0); // internal attributes
        put32(c, 0); // external attributes
        put32(c, offset);
        c.extend_from_slice(name.as_bytes());
        self.entries = self.entries.saturating_add(1);
    }

    /// Writes the central directory and its end record.
    pub fn finish(mut self) -> Vec<u8> {
        let start = u32::try_from(self.out.len()).unwrap_or(u32::MAX);
        let len = u32::try_from(self.central.len()).unwrap_or(u32::MAX);
        self.out.append(&mut self.central);
        let o = &mut self.out;
        put32(o, 0x0605_4b50);
        put16(o, 0); // this disk
        put16(o, 0); // disk with the central directory
        put16(o, self.entries);
        put16(o, self.entries);
        put32(o, len);
        put32(o, start);
        put16(o, 0); // comment length
        self.out
    }
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// CRC-32 (ISO 3309, reflected polynomial 0xEDB88320), as ZIP stores it.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc = CRC_TABLE[usize::from((crc as u8) ^ b)] ^ (crc >> 8);
    }
    !crc
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_check_value() {
        // The standard check value for CRC-32/ISO-HDLC.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn stored_entry_is_laid_out_as_the_spec_says() {
        let mut z = ZipWriter::new();
        z.add("mimetype", b"abc", Method::Stored);
        z.add("a.xml", &[b'x'; 1000], Method::Deflated);
        let bytes = z.finish();
        assert_eq!(&bytes[0..4], b"PK\x03\x04");
        assert_eq!(&bytes[8..10], &[0, 0], "stored");
        assert_eq!(&bytes[18..22], &3u32.to_le_bytes(), "compressed size");
        assert_eq!(&bytes[28..30], &[0, 0], "no extra field");
        assert_eq!(&bytes[30..38], b"mimetype");
        assert_eq!(&bytes[38..41], b"abc");
        let end = &bytes[bytes.len() - 22..];
        assert_eq!(&end[0..4], b"PK\x05\x06");
        assert_eq!(&end[10..12], &2u16.to_le_bytes(), "two entries");
        assert!(bytes.len() < 400, "the repeated bytes were deflated");
    }
}
