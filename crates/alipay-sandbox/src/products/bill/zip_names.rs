//! GBK entry names in a bill zip, as Alipay writes them: the name bytes in GBK and the zip's "language
//! encoding" flag (general purpose bit 11, "the name is UTF-8") clear. The `zip` crate writes only UTF-8
//! names, so [`pack`] writes each entry under an ASCII placeholder of the GBK name's exact byte length and then
//! puts the GBK bytes in its place, in the local header and the central directory. Only names change: sizes,
//! offsets and CRCs (which cover the data, not the name) stay valid.

use std::io::{Cursor, Write};

/// A zip of `files` (name, content), deflated, with GBK entry names.
pub(crate) fn pack(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, zip::result::ZipError> {
    let names: Vec<(Vec<u8>, Vec<u8>)> = files
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            let gbk = alipay_api::bill_file::to_gbk_lossy(name);
            // A distinct ASCII byte per entry stands for the non-ASCII bytes: two names of the same length
            // ("账务明细", "账务汇总") get different placeholders.
            let stand_in = PLACEHOLDERS.get(i).copied().unwrap_or(b'~');
            let placeholder = gbk.iter().map(|&b| if b.is_ascii() { b } else { stand_in }).collect();
            (placeholder, gbk)
        })
        .collect();
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for ((placeholder, _), (_, content)) in names.iter().zip(files) {
        w.start_file(String::from_utf8_lossy(placeholder), options)?;
        w.write_all(content)?;
    }
    let mut bytes = w.finish()?.into_inner();
    rename(&mut bytes, &names).ok_or_else(|| zip::result::ZipError::InvalidArchive("bill zip layout".into()))?;
    Ok(bytes)
}

const PLACEHOLDERS: [u8; 4] = [b'~', b'^', b'!', b'@'];

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?)))
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    usize::try_from(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?)).ok()
}

/// Replaces each placeholder name by its GBK bytes (same length) in the central directory and the local
/// headers, clearing bit 11 of both flag fields. `None` when the archive is not laid out as `zip` writes it.
fn rename(b: &mut [u8], names: &[(Vec<u8>, Vec<u8>)]) -> Option<()> {
    const EOCD: u32 = 0x0605_4b50;
    const CENTRAL: u32 = 0x0201_4b50;
    const LOCAL: u32 = 0x0403_4b50;
    let eocd = b.len().checked_sub(22)?; // no archive comment
    (u32_at(b, eocd)? == EOCD as usize).then_some(())?;
    let entries = u16_at(b, eocd + 10)?;
    let mut at = u32_at(b, eocd + 16)?;
    for _ in 0..entries {
        (u32_at(b, at)? == CENTRAL as usize).then_some(())?;
        let (name_len, extra_len, comment_len) = (u16_at(b, at + 28)?, u16_at(b, at + 30)?, u16_at(b, at + 32)?);
        let local = u32_at(b, at + 42)?;
        let name = b.get(at + 46..at + 46 + name_len)?.to_vec();
        if let Some((_, gbk)) = names.iter().find(|(p, _)| *p == name) {
            clear_utf8_flag(b, at + 8)?;
            b.get_mut(at + 46..at + 46 + name_len)?.copy_from_slice(gbk);
            (u32_at(b, local)? == LOCAL as usize).then_some(())?;
            (u16_at(b, local + 26)? == name_len).then_some(())?;
            clear_utf8_flag(b, local + 6)?;
            b.get_mut(local + 30..local + 30 + name_len)?.copy_from_slice(gbk);
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    Some(())
}

fn clear_utf8_flag(b: &mut [u8], at: usize) -> Option<()> {
    let hi = b.get_mut(at + 1)?;
    *hi &= !0x08; // bit 11 of the little-endian u16
    Some(())
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    #[test]
    fn names_are_gbk_without_the_utf8_flag_and_the_data_reads_back() {
        let files = vec![
            ("20880000000000000156_20190916_账务明细.csv".to_owned(), b"a,b\r\n".to_vec()),
            ("20880000000000000156_20190916_账务汇总.csv".to_owned(), b"c,d\r\n".to_vec()),
        ];
        let bytes = super::pack(&files).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        for (i, (name, content)) in files.iter().enumerate() {
            let mut entry = zip.by_index(i).unwrap();
            assert_eq!(entry.name_raw(), alipay_api::bill_file::to_gbk_lossy(name).as_slice());
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            assert_eq!(&data, content, "the CRC still holds");
        }
    }
}
