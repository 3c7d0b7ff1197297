import { TextDecoder } from 'node:util';
import { PgBackupError } from '../../errors.js';

/**
 * PostgreSQL server encodings (the ENCODING entry of an archive) and the WHATWG decoder of each,
 * so that names from the archive read as the server reports them. SQL_ASCII bytes go through as
 * UTF-8, as a UTF-8 client sees them.
 */
const DECODER_LABELS: Readonly<Record<string, string>> = {
  UTF8: 'utf-8',
  SQL_ASCII: 'utf-8',
  LATIN1: 'latin1',
  LATIN2: 'iso-8859-2',
  LATIN3: 'iso-8859-3',
  LATIN4: 'iso-8859-4',
  LATIN5: 'iso-8859-9',
  LATIN6: 'iso-8859-10',
  LATIN7: 'iso-8859-13',
  LATIN8: 'iso-8859-14',
  LATIN9: 'iso-8859-15',
  ISO_8859_5: 'iso-8859-5',
  ISO_8859_6: 'iso-8859-6',
  ISO_8859_7: 'iso-8859-7',
  ISO_8859_8: 'iso-8859-8',
  WIN866: 'ibm866',
  WIN874: 'windows-874',
  WIN1250: 'windows-1250',
  WIN1251: 'windows-1251',
  WIN1252: 'windows-1252',
  WIN1253: 'windows-1253',
  WIN1254: 'windows-1254',
  WIN1255: 'windows-1255',
  WIN1256: 'windows-1256',
  WIN1257: 'windows-1257',
  WIN1258: 'windows-1258',
  KOI8R: 'koi8-r',
  KOI8U: 'koi8-u',
  EUC_JP: 'euc-jp',
  EUC_KR: 'euc-kr',
  EUC_CN: 'gbk',
};

/** A decoder for names in `encoding`; an encoding without one (EUC_TW, MULE_INTERNAL...) is a clear error. */
export function nameDecoder(encoding: string): TextDecoder {
  const label = DECODER_LABELS[encoding.toUpperCase()];
  if (!label)
    throw new PgBackupError(
      `the database's encoding ${encoding} has no decoder here: pg-backup cannot name its tables in the manifest (supported: ${Object.keys(DECODER_LABELS).join(', ')})`,
    );
  return new TextDecoder(label);
}
