/**
 * The frame of every mail: a 600 px table (what Outlook and Gmail lay out alike), styles inline (clients
 * drop <style> and classes), explicit background and text colours on every block so that a client's dark
 * mode inverts a known pair instead of leaving dark text on its dark background, `color-scheme` meta, no
 * images at all, and the store's name and postal address at the foot.
 */
import type { ComponentChildren } from 'preact'
import { renderToString } from 'preact-render-to-string'
import type { StoreIdentity } from '../store-identity'

export const COLORS = { page: '#f4f4f5', card: '#ffffff', text: '#18181b', muted: '#52525b', border: '#e4e4e7', accent: '#1d4ed8', buttonText: '#ffffff' }
export const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"

export interface LayoutProps {
  store: StoreIdentity
  title: string
  /** The line clients show beside the subject; hidden in the body. */
  preheader: string
  children: ComponentChildren
  /** Marketing mail only: the signed link that stops it. */
  unsubscribeUrl?: string
}

export function EmailLayout({ store, title, preheader, children, unsubscribeUrl }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="supported-color-schemes" content="light dark" />
        <title>{title}</title>
      </head>
      <body style={`margin:0;padding:0;background-color:${COLORS.page};color:${COLORS.text};font-family:${FONT};`}>
        <div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">{preheader}</div>
        <table role="presentation" width="100%" cellPadding="0" cellSpacing="0" style={`background-color:${COLORS.page};`}>
          <tr>
            <td align="center" style="padding:24px 12px;">
              <table role="presentation" width="600" cellPadding="0" cellSpacing="0" style={`width:100%;max-width:600px;background-color:${COLORS.card};border:1px solid ${COLORS.border};border-radius:8px;`}>
                <tr>
                  <td style={`padding:24px 32px 8px;font-size:20px;font-weight:bold;color:${COLORS.text};background-color:${COLORS.card};`}>{store.name}</td>
                </tr>
                <tr>
                  <td style={`padding:8px 32px 24px;font-size:16px;line-height:24px;color:${COLORS.text};background-color:${COLORS.card};`}>{children}</td>
                </tr>
              </table>
              <table role="presentation" width="600" cellPadding="0" cellSpacing="0" style="width:100%;max-width:600px;">
                <tr>
                  <td style={`padding:16px 32px;font-size:12px;line-height:18px;color:${COLORS.muted};background-color:${COLORS.page};`}>
                    {store.name}
                    {store.address.map((line) => (
                      <>
                        <br />
                        {line}
                      </>
                    ))}
                    {unsubscribeUrl && (
                      <>
                        <br />
                        <a href={unsubscribeUrl} style={`color:${COLORS.muted};text-decoration:underline;`}>
                          Unsubscribe from these emails
                        </a>
                      </>
                    )}
                  </td>
                </tr>
              </table>
            </td>
          </tr>
        </table>
      </body>
    </html>
  )
}

export function Heading({ children }: { children: ComponentChildren }) {
  return <h1 style={`margin:0 0 16px;font-size:24px;line-height:32px;color:${COLORS.text};`}>{children}</h1>
}

export function Paragraph({ children }: { children: ComponentChildren }) {
  return <p style={`margin:0 0 16px;color:${COLORS.text};`}>{children}</p>
}

/** A link styled as a button, in a table cell (the one shape every client renders with its padding). */
export function Button({ href, children }: { href: string; children: ComponentChildren }) {
  return (
    <table role="presentation" cellPadding="0" cellSpacing="0" style="margin:8px 0 16px;">
      <tr>
        <td style={`border-radius:6px;background-color:${COLORS.accent};`}>
          <a href={href} style={`display:inline-block;padding:12px 20px;font-size:16px;font-weight:bold;color:${COLORS.buttonText};text-decoration:none;border-radius:6px;`}>
            {children}
          </a>
        </td>
      </tr>
    </table>
  )
}

/** The document with its doctype, as sent. */
export const renderEmail = (element: preact.VNode) => `<!DOCTYPE html>${renderToString(element)}`
