import type { ComponentChildren, InputHTMLAttributes } from 'preact'
import type { FieldErrors } from '../platform/errors'

const CSRF_FIELD = '_csrf'

/** A POST form carrying the CSRF token (see accounts/csrf.ts). */
export function Form({ action, csrf, children, multipart, class: className }: { action: string; csrf: string; children: ComponentChildren; multipart?: boolean; class?: string }) {
  return (
    <form method="post" action={action} class={className ?? 'form'} enctype={multipart ? 'multipart/form-data' : undefined}>
      <input type="hidden" name={CSRF_FIELD} value={csrf} />
      {children}
    </form>
  )
}

interface FieldProps {
  name: string
  label: string
  type?: 'text' | 'email' | 'password' | 'tel' | 'file'
  value?: string | null
  errors?: FieldErrors
  required?: boolean
  autocomplete?: string
  hint?: string
  maxLength?: number
  accept?: string
}

/** A labelled input with its hint and errors, tied together for screen readers. */
export function Field({ name, label, type = 'text', value, errors, required, autocomplete, hint, maxLength, accept }: FieldProps) {
  const id = `field-${name.replace(/\W/g, '-')}`
  const problems = errors?.[name]
  const described = [hint && `${id}-hint`, problems && `${id}-error`].filter(Boolean).join(' ') || undefined
  // Preact types each input type separately; one component for all of them needs the general shape.
  const input = {
    id,
    name,
    type,
    value: type === 'password' || type === 'file' ? undefined : (value ?? undefined),
    required,
    autoComplete: autocomplete,
    maxLength,
    accept,
    'aria-invalid': problems ? 'true' : undefined,
    'aria-describedby': described,
  } as InputHTMLAttributes<HTMLInputElement>
  return (
    <div class={`field${problems ? ' has-error' : ''}`}>
      <label for={id}>{label}</label>
      {hint && (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
      <input {...input} />
      {problems && (
        <p id={`${id}-error`} class="field-error">
          {problems.join('; ')}
        </p>
      )}
    </div>
  )
}

/** Messages about the whole form (not one field), or a confirmation. */
export function Notice({ kind, children }: { kind: 'error' | 'success' | 'info'; children: ComponentChildren }) {
  return (
    <p class={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </p>
  )
}

/**
 * A labelled control of a form (a select, a textarea) with its hint and errors under its name: the control
 * itself is the child, told what describes it and whether it is invalid.
 * @example <LabelledControl id="field-country" name="country" label="Country" errors={errors}>{(described, invalid) => <select id="field-country" … />}</LabelledControl>
 */
export function LabelledControl({ id, name, label, errors, hint, children }: { id: string; name: string; label: string; errors?: FieldErrors; hint?: string; children: (described: string | undefined, invalid: boolean) => ComponentChildren }) {
  const problems = errors?.[name]
  const described = [hint && `${id}-hint`, problems && `${id}-error`].filter(Boolean).join(' ') || undefined
  return (
    <div class={`field${problems ? ' has-error' : ''}`}>
      <label for={id}>{label}</label>
      {hint && (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
      {children(described, Boolean(problems))}
      {problems && (
        <p id={`${id}-error`} class="field-error">
          {problems.join('; ')}
        </p>
      )}
    </div>
  )
}
