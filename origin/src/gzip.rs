//! A small gzip (RFC 1952) writer and its reader, without dependencies:
//! one deflate block (RFC 1951) of fixed-Huffman literals, no matches. It
//! compresses little, but its bytes are no longer the text, as with any
//! origin that compresses its answers (nginx's `gzip on`).

/// `data` gzip-compressed.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    // ID1 ID2, deflate, no flags, no time, no extra flags, unknown OS.
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    let mut bits = Bits::default();
    // The last block, fixed Huffman codes (BTYPE 01).
    bits.put(1, 1);
    bits.put(1, 2);
    for &byte in data {
        bits.put_code(fixed_code(u16::from(byte)));
    }
    bits.put_code(fixed_code(END_OF_BLOCK));
    out.extend(bits.finish());
    out.extend(crc32(data).to_le_bytes());
    // ISIZE: the length modulo 2^32 (RFC 1952 section 2.3.1).
    out.extend((data.len() as u32).to_le_bytes());
    out
}

/// What [`gzip`] compressed, or `None` for anything else (another
/// deflate block type, a bad checksum).
pub fn gunzip(compressed: &[u8]) -> Option<Vec<u8>> {
    let deflate = compressed.get(10..compressed.len().checked_sub(8)?)?;
    if compressed.get(..4) != Some(&[0x1f, 0x8b, 8, 0]) {
        return None;
    }
    let mut reader = Reader {
        bytes: deflate,
        at: 0,
    };
    if reader.bits(1)? != 1 || reader.bits(2)? != 1 {
        return None;
    }
    let mut out = Vec::new();
    loop {
        match reader.fixed_symbol()? {
            END_OF_BLOCK => break,
            symbol @ 0..=255 => out.push(u8::try_from(symbol).ok()?),
            _ => return None,
        }
    }
    let trailer = compressed.get(compressed.len() - 8..)?;
    let crc = u32::from_le_bytes(trailer.get(..4)?.try_into().ok()?);
    (crc == crc32(&out)).then_some(out)
}

const END_OF_BLOCK: u16 = 256;

/// The fixed Huffman code of a literal/length symbol (RFC 1951 section
/// 3.2.6): the code and its length in bits.
fn fixed_code(symbol: u16) -> (u16, u8) {
    match symbol {
        0..=143 => (0x30 + symbol, 8),
        144..=255 => (0x190 + symbol - 144, 9),
        256..=279 => (symbol - 256, 7),
        _ => (0xc0 + symbol - 280, 8),
    }
}

/// Bits packed from the least significant bit of each byte up.
#[derive(Default)]
struct Bits {
    bytes: Vec<u8>,
    current: u8,
    used: u8,
}

impl Bits {
    /// `count` bits of `value`, least significant first.
    fn put(&mut self, value: u16, count: u8) {
        for i in 0..count {
            self.current |= u8::from((value >> i) & 1 == 1) << self.used;
            self.used += 1;
            if self.used == 8 {
                self.bytes.push(self.current);
                self.current = 0;
                self.used = 0;
            }
        }
    }

    /// A Huffman code, most significant bit first.
    fn put_code(&mut self, (code, length): (u16, u8)) {
        for i in (0..length).rev() {
            self.put((code >> i) & 1, 1);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.used > 0 {
            self.bytes.push(self.current);
        }
        self.bytes
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    /// In bits.
    at: usize,
}

impl Reader<'_> {
    fn bit(&mut self) -> Option<u16> {
        let byte = self.bytes.get(self.at / 8)?;
        let bit = (byte >> (self.at % 8)) & 1;
        self.at += 1;
        Some(u16::from(bit))
    }

    fn bits(&mut self, count: u8) -> Option<u16> {
        (0..count).try_fold(0, |value, i| Some(value | (self.bit()? << i)))
    }

    /// The next fixed-Huffman literal/length symbol.
    fn fixed_symbol(&mut self) -> Option<u16> {
        let mut code = 0;
        for length in 1..=9 {
            code = (code << 1) | self.bit()?;
            let symbol = match length {
                7 if code <= 0x17 => Some(code + 256),
                8 if (0x30..=0xbf).contains(&code) => Some(code - 0x30),
                8 if (0xc0..=0xc7).contains(&code) => Some(code - 0xc0 + 280),
                9 if (0x190..=0x1ff).contains(&code) => Some(code - 0x190 + 144),
                _ => None,
            };
            if symbol.is_some() {
                return symbol;
            }
        }
        None
    }
}

/// CRC-32 (ISO 3309), as gzip's trailer holds it.
fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |crc, &byte| {
        (0..8).fold(crc ^ u32::from(byte), |crc, _| {
            if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_hides_the_text() {
        let text = b"<script>alert(1)</script> \x00\xff\x90 and more".repeat(3);
        let compressed = gzip(&text);
        assert!(!compressed.windows(8).any(|w| w == b"<script>"));
        assert_eq!(gunzip(&compressed).as_deref(), Some(text.as_slice()));
        assert_eq!(gunzip(&gzip(b"")).as_deref(), Some(&b""[..]));
        assert_eq!(gunzip(b"not gzip at all"), None);
    }

    #[test]
    fn checksums_as_gzip_does() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }
}
