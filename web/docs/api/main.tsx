import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import '../../shared/base.css';
import './api.css';
import { methods, resolve, roleOf, type OpenApiDocument, type Operation, type Schema } from './openapi.ts';

function typeText(schema: Schema): string {
  if (schema.$ref) return schema.$ref.replace('#/components/schemas/', '');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return variants.map(typeText).join(' | ');
  if (schema.type === 'array' && schema.items) return `${typeText(schema.items)}[]`;
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type ?? 'any');
  return schema.format ? `${type} (${schema.format})` : type;
}

/** A schema as a nested list of fields, to `depth` levels (deeper ones stay collapsed). */
function SchemaView({ document, schema, depth = 0 }: { document: OpenApiDocument; schema: Schema; depth?: number }) {
  const { schema: target, name } = resolve(document, schema);
  if (depth > 6) return <code>{typeText(schema)}</code>;
  const variants = target.anyOf ?? target.oneOf ?? target.allOf;
  const body = target.properties ? (
    <ul class="fields">
      {Object.entries(target.properties).map(([field, child]) => (
        <li key={field}>
          <code class="field">{field}</code>
          {target.required?.includes(field) ? '' : '?'}: <code>{typeText(child)}</code>
          {child.description && <span class="muted"> — {child.description}</span>}
          {(child.properties || child.$ref || child.anyOf || child.oneOf || (child.items && (child.items.properties || child.items.$ref))) && (
            <SchemaView document={document} schema={child.items && !child.properties ? child.items : child} depth={depth + 1} />
          )}
        </li>
      ))}
    </ul>
  ) : variants && variants.some((variant) => variant.properties || variant.$ref) ? (
    <ol class="variants">
      {variants.map((variant, index) => (
        <li key={index}>
          <SchemaView document={document} schema={variant} depth={depth + 1} />
        </li>
      ))}
    </ol>
  ) : target.items ? (
    <SchemaView document={document} schema={target.items} depth={depth + 1} />
  ) : (
    <code>{typeText(target)}</code>
  );
  return name ? (
    <details open={depth < 1}>
      <summary>
        <code>{name}</code>
      </summary>
      {body}
    </details>
  ) : (
    body
  );
}

function OperationView({ document, method, path, operation }: { document: OpenApiDocument; method: string; path: string; operation: Operation }) {
  const id = `${method}-${path}`.replace(/[^a-zA-Z0-9]+/g, '-');
  const requestSchema = Object.entries(operation.requestBody?.content ?? {})[0];
  return (
    <article class="card operation" id={id} aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>
        <span class={`method m-${method}`}>{method.toUpperCase()}</span> <code>{path}</code> <span class="role">role: {roleOf(operation)}</span>
      </h3>
      {operation.summary && <p>{operation.summary}</p>}
      {operation.description && operation.description !== operation.summary && <p class="muted">{operation.description}</p>}
      {operation.parameters && operation.parameters.length > 0 && (
        <>
          <h4>Parameters</h4>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">In</th>
                  <th scope="col">Type</th>
                  <th scope="col">Description</th>
                </tr>
              </thead>
              <tbody>
                {operation.parameters.map((parameter) => (
                  <tr key={`${parameter.in}-${parameter.name}`}>
                    <th scope="row">
                      <code>{parameter.name}</code>
                      {parameter.required ? ' (required)' : ''}
                    </th>
                    <td>{parameter.in}</td>
                    <td>
                      <code>{parameter.schema ? typeText(parameter.schema) : 'string'}</code>
                    </td>
                    <td>{parameter.description ?? parameter.schema?.description ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {requestSchema && (
        <>
          <h4>Request body ({requestSchema[0]})</h4>
          {requestSchema[1].schema ? <SchemaView document={document} schema={requestSchema[1].schema} /> : <p class="muted">any</p>}
        </>
      )}
      <h4>Responses</h4>
      <dl class="responses">
        {Object.entries(operation.responses ?? {}).map(([status, response]) => {
          const schema = Object.values(response.content ?? {})[0]?.schema;
          return (
            <div key={status}>
              <dt>
                <code>{status}</code> {response.description}
              </dt>
              <dd>{schema ? <SchemaView document={document} schema={schema} /> : <span class="muted">no body</span>}</dd>
            </div>
          );
        })}
      </dl>
    </article>
  );
}

function Reference() {
  const [document, setDocument] = useState<OpenApiDocument | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  useEffect(() => {
    fetch('/openapi.json', { headers: { accept: 'application/json' } })
      .then((response) => (response.ok ? (response.json() as Promise<OpenApiDocument>) : Promise.reject(new Error(`/openapi.json answered HTTP ${response.status}`))))
      .then(setDocument, (caught: unknown) => setError(caught instanceof Error ? caught.message : String(caught)));
  }, []);
  if (error) return <main id="main"><h1>API reference</h1><p role="alert">Could not load the API description: {error}</p></main>;
  if (!document) return <main id="main" aria-busy="true"><h1>API reference</h1><p class="muted">Loading…</p></main>;
  const operations = Object.entries(document.paths).flatMap(([path, item]) =>
    methods.filter((method) => typeof item[method] === 'object' && !Array.isArray(item[method])).map((method) => ({ path, method, operation: item[method] as Operation })),
  );
  const needle = filter.trim().toLowerCase();
  const shown = operations.filter(({ path, method, operation }) => !needle || `${method} ${path} ${operation.summary ?? ''}`.toLowerCase().includes(needle));
  return (
    <main id="main">
      <h1>
        {document.info.title} <span class="muted small">{document.info.version} · OpenAPI {document.openapi}</span>
      </h1>
      {document.info.description && <p>{document.info.description}</p>}
      <p>
        Every route but the public ones needs <code>Authorization: Bearer &lt;token&gt;</code>. The machine-readable document: <a href="/openapi.json">/openapi.json</a>.
      </p>
      <label class="search">
        Filter routes <input type="search" value={filter} onInput={(event) => setFilter((event.currentTarget as HTMLInputElement).value)} />
      </label>
      <nav aria-label="Routes">
        <ul class="toc">
          {shown.map(({ path, method }) => (
            <li key={`${method} ${path}`}>
              <a href={`#${`${method}-${path}`.replace(/[^a-zA-Z0-9]+/g, '-')}`}>
                <span class={`method m-${method}`}>{method.toUpperCase()}</span> {path}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {shown.map(({ path, method, operation }) => (
        <OperationView key={`${method} ${path}`} document={document} method={method} path={path} operation={operation} />
      ))}
    </main>
  );
}

render(<Reference />, window.document.getElementById('app')!);
