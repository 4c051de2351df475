/** The API reference page: the OpenAPI document rendered on the server, no script (the site's CSP allows none inline). */
import { TableHead } from '../ui/table-head'
import type { OpenApiDocument, OpenApiOperation } from './document'

type JsonSchema = Record<string, unknown>

const COMPONENT_REF = /^#\/components\/schemas\/(.+)$/

const pretty = (value: unknown) => JSON.stringify(value, null, 2)

/** A description, its `code spans` (the document's descriptions are CommonMark) as <code>. */
function Prose({ text }: { text: string }) {
  return <>{text.split(/`([^`]+)`/).map((part, i) => (i % 2 ? <code key={i}>{part}</code> : part))}</>
}

/** A schema: a link to its component when it is a `$ref`, else the JSON Schema itself. */
function Schema({ schema }: { schema: JsonSchema }) {
  const id = typeof schema.$ref === 'string' ? COMPONENT_REF.exec(schema.$ref)?.[1] : undefined
  if (id && Object.keys(schema).length === 1) return <a href={`#schema-${id}`}>{id}</a>
  return (
    <pre>
      <code>{pretty(schema)}</code>
    </pre>
  )
}

function Access({ operation }: { operation: OpenApiOperation }) {
  const { security, responses } = operation
  if (security.length === 0) return <p class="hint">Public.</p>
  const forGuests = security.some((requirement) => Object.keys(requirement).length === 0)
  const role = responses['403']?.description
  return (
    <p class="hint">
      {forGuests ? 'Guests, or signed in with ' : 'Signed in with '}a bearer token or the session cookie{role ? ` (403: ${role})` : ''}.
    </p>
  )
}

function OperationSection({ method, path, operation }: { method: string; path: string; operation: OpenApiOperation }) {
  const { parameters = [], requestBody, responses } = operation
  return (
    <section class="api-operation" id={operation.operationId} aria-labelledby={`${operation.operationId}-title`}>
      <h3 id={`${operation.operationId}-title`}>
        <span class={`method method-${method}`}>{method.toUpperCase()}</span> <code>{path}</code>
      </h3>
      <p>
        <strong>{operation.summary}</strong>
      </p>
      {operation.description && (
        <p>
          <Prose text={operation.description} />
        </p>
      )}
      <Access operation={operation} />
      {parameters.length > 0 && (
        <>
          <h4>Parameters</h4>
          <table class="api-table">
            <TableHead columns={['Name', 'In', 'Required', 'Schema']} />
            <tbody>
              {parameters.map((parameter) => (
                <tr key={`${parameter.in}:${parameter.name}`}>
                  <td>
                    <code>{parameter.name}</code>
                    {parameter.description && (
                      <small class="hint">
                        {' '}
                        <Prose text={parameter.description} />
                      </small>
                    )}
                  </td>
                  <td>{parameter.in}</td>
                  <td>{parameter.required ? 'yes' : 'no'}</td>
                  <td>
                    <Schema schema={parameter.schema} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {requestBody && (
        <>
          <h4>Request body</h4>
          {requestBody.description && (
            <p>
              <Prose text={requestBody.description} />
            </p>
          )}
          {Object.entries(requestBody.content).map(([mediaType, { schema }]) => (
            <div key={mediaType}>
              <p>
                <code>{mediaType}</code>
              </p>
              <Schema schema={schema} />
            </div>
          ))}
        </>
      )}
      <h4>Responses</h4>
      <table class="api-table">
        <tbody>
          {Object.entries(responses).map(([status, response]) => (
            <tr key={status}>
              <th scope="row">{status}</th>
              <td>
                <Prose text={response.description} />
              </td>
              <td>
                {Object.entries(response.content ?? {}).map(([mediaType, { schema }]) => (
                  <div key={mediaType}>
                    <code>{mediaType}</code> <Schema schema={schema} />
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

/** The page's title and description, for the renderer's layout. */
export const apiDocsMeta = (doc: OpenApiDocument) => ({ title: 'API reference', description: `${doc.info.title} ${doc.info.version}: every operation, its input and its answers.` })

/** Every operation grouped by tag, then every named schema. */
export function ApiDocsPage({ doc }: { doc: OpenApiDocument }) {
  const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ path, method, operation: operation as OpenApiOperation })),
  )
  return (
    <article class="api-docs">
      <h1>
        {doc.info.title} <small class="hint">{doc.info.version}</small>
      </h1>
      <p>
        <Prose text={doc.info.description} />
      </p>
      <p>
        The same description for machines: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI {doc.openapi}). Server:{' '}
        <code>{doc.servers[0]?.url}</code>.
      </p>
      <h2>Authentication</h2>
      <dl>
        {Object.entries(doc.components.securitySchemes).map(([name, scheme]) => (
          <div key={name}>
            <dt>
              <code>{name}</code>
            </dt>
            <dd>
              <Prose text={String(scheme.description ?? '')} />
            </dd>
          </div>
        ))}
      </dl>
      <nav class="api-toc" aria-labelledby="operations">
        <h2 id="operations">Operations</h2>
        {doc.tags.map((tag) => (
          <div key={tag.name}>
            <h3>
              <a href={`#tag-${tag.name}`}>{tag.name}</a>
            </h3>
            <ul>
              {operations
                .filter(({ operation }) => operation.tags.includes(tag.name))
                .map(({ path, method, operation }) => (
                  <li key={operation.operationId}>
                    <a href={`#${operation.operationId}`}>
                      <span class={`method method-${method}`}>{method.toUpperCase()}</span> <code>{path}</code>
                    </a>{' '}
                    {operation.summary}
                  </li>
                ))}
            </ul>
          </div>
        ))}
      </nav>
      {doc.tags.map((tag) => (
        <section key={tag.name} id={`tag-${tag.name}`} aria-labelledby={`tag-${tag.name}-title`}>
          <h2 id={`tag-${tag.name}-title`}>{tag.name}</h2>
          <p>
            <Prose text={tag.description} />
          </p>
          {operations
            .filter(({ operation }) => operation.tags.includes(tag.name))
            .map(({ path, method, operation }) => (
              <OperationSection key={operation.operationId} method={method} path={path} operation={operation} />
            ))}
        </section>
      ))}
      <h2 id="schemas">Schemas</h2>
      {Object.entries(doc.components.schemas).map(([id, schema]) => (
        <section key={id} class="api-schema" id={`schema-${id}`}>
          <h3>{id}</h3>
          {typeof schema.description === 'string' && (
            <p>
              <Prose text={schema.description} />
            </p>
          )}
          <pre>
            <code>{pretty(schema)}</code>
          </pre>
        </section>
      ))}
    </article>
  )
}
