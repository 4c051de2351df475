import { z } from 'zod'

/**
 * A whole number in a path or query string: digits only, so "1e3", "-1", "1.5" and "" are refused rather
 * than coerced (z.coerce would accept them).
 * @example z.object({ page: wholeNumber(1, 10_000).default(1) })
 */
export const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .describe(`A whole number from ${min} to ${max}`)
