/**
 * CSV records read from a stream as it arrives, with the byte offset just past each record, so that an
 * import step can stop after a few products and the next step resume there with an R2 range read.
 * Parsing is csv-parse's (RFC 4180 quoting, the BOM, \r\n or \n). Its browser build is used because it
 * needs no `nodejs_compat`; it counts `info.bytes` in UTF-8 bytes of the text it was given.
 */
import { CsvError, parse } from 'csv-parse/browser/esm'

export interface CsvRecord {
  cells: string[]
  /** The record's number from where this read started (1 for the first). */
  index: number
  /** Bytes from where this read started to just past this record (and its line break). */
  endByte: number
}

/** A CSV the parser refused (a quote never closed, a stray quote), with the line it was on. */
export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly records: number,
  ) {
    super(message)
  }
}

interface ParsedRecord {
  record: string[]
  info: { bytes: number; records: number }
}

/** What a csv-parse error says, for a person. */
function describe(err: unknown): string {
  if (err instanceof CsvError || (err instanceof Error && 'code' in err)) {
    const code = String((err as { code?: string }).code)
    if (code === 'CSV_QUOTE_NOT_CLOSED') return 'a quoted field is never closed'
    if (code === 'CSV_INVALID_CLOSING_QUOTE') return 'a quote inside a quoted field is not doubled ("")'
    if (code === 'CSV_MAX_RECORD_SIZE') return 'a record is longer than 1 MB'
    return err.message
  }
  return String(err)
}

/**
 * The records of `stream` one by one, parsed as they arrive: the stream is read only as far as the caller
 * iterates, and cancelled when it stops. A syntax error is thrown as `CsvSyntaxError` at the record where it is.
 */
export async function* csvRecords(stream: ReadableStream<Uint8Array>): AsyncGenerator<CsvRecord, void, void> {
  // One record at most 1 MB (a product body is bounded far below that): the parser never holds more.
  const parser = parse({ info: true, relax_column_count: true, bom: true, max_record_size: 1024 * 1024, skip_empty_lines: true })
  const queue: ParsedRecord[] = []
  let failure: unknown = null
  let ended = false
  parser.on('data', (r: ParsedRecord) => queue.push(r))
  parser.on('error', (err: unknown) => {
    failure ??= err
  })
  parser.on('end', () => {
    ended = true
  })
  const reader = stream.getReader()
  const decoder = new TextDecoder('utf-8')
  let readerDone = false
  let seen = 0
  try {
    for (;;) {
      while (queue.length) {
        const r = queue.shift()!
        seen = r.info.records
        yield { cells: r.record, index: r.info.records, endByte: r.info.bytes }
      }
      if (failure) throw new CsvSyntaxError(describe(failure), seen + 1)
      if (ended) return
      if (readerDone) {
        // 'end' comes after the last records, on a later turn.
        await new Promise((resolve) => setTimeout(resolve, 0))
        if (!queue.length && !failure && !ended) return
        continue
      }
      const { done, value } = await reader.read()
      if (done) {
        readerDone = true
        const rest = decoder.decode()
        if (rest) parser.write(rest)
        parser.end()
      } else {
        parser.write(decoder.decode(value, { stream: true }))
      }
    }
  } finally {
    if (!readerDone) await reader.cancel().catch(() => {})
  }
}
