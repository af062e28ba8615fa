import { describe, expect, it } from 'vitest';
import { ExpressionError } from './errors.ts';
import { resolveSecrets } from './secrets.ts';
import { compileTemplate, hasTemplate, renderDeep, renderTemplate, templateErrors, templateIssues } from './template.ts';

const scope = {
  count: 3,
  ratio: 0.5,
  flag: true,
  nothing: null,
  system: { id: 's1', name: 'API', tags: ['prod', 'eu'] },
};

describe('renderTemplate: typed values', () => {
  it('returns the typed value when the whole string is one expression', () => {
    expect(renderTemplate('{{ count + 1 }}', scope)).toBe(4);
    expect(renderTemplate('  {{ flag }}\n', scope)).toBe(true);
    expect(renderTemplate('{{ ratio }}', scope)).toBe(0.5);
    expect(renderTemplate('{{ system }}', scope)).toEqual({ id: 's1', name: 'API', tags: ['prod', 'eu'] });
    expect(renderTemplate('{{ nothing }}', scope)).toBeNull();
    expect(renderTemplate('{{system.tags}}', scope)).toEqual(['prod', 'eu']);
  });

  it('returns a string without templates unchanged', () => {
    expect(renderTemplate('plain text { not } a template', scope)).toBe('plain text { not } a template');
  });
});

describe('renderTemplate: interpolation', () => {
  it('interpolates values into surrounding text', () => {
    expect(renderTemplate('System {{ system.name }} has {{ count }} checks', scope)).toBe('System API has 3 checks');
    expect(renderTemplate('{{ count }}{{ count }}', scope)).toBe('33');
  });

  it('writes objects as JSON, null as empty, booleans and doubles as text', () => {
    expect(renderTemplate('tags={{ system.tags }}', scope)).toBe('tags=["prod","eu"]');
    expect(renderTemplate('[{{ nothing }}]', scope)).toBe('[]');
    expect(renderTemplate('{{ flag }}/{{ ratio }}', scope)).toBe('true/0.5');
    expect(renderTemplate('at {{ timestamp("2024-01-01T00:00:00Z") }}', scope)).toBe('at 2024-01-01T00:00:00.000Z');
  });

  it('finds the closing braces past string literals and map literals', () => {
    expect(renderTemplate('{{ "}}" }}', scope)).toBe('}}');
    expect(renderTemplate('x{{ {"a": {"b": 1}}.a.b }}x', scope)).toBe('x1x');
    expect(renderTemplate("{{ 'it\\'s' + \"}}\" }}", scope)).toBe("it's}}");
    expect(renderTemplate('{{ """a}}b""" }}', scope)).toBe('a}}b');
  });
});

describe('secret references in templates', () => {
  it('leaves ${{ secrets.NAME }} untouched', () => {
    expect(renderTemplate('Bearer ${{ secrets.API_TOKEN }}', scope)).toBe('Bearer ${{ secrets.API_TOKEN }}');
    expect(renderTemplate('${{ secrets.API_TOKEN }}', scope)).toBe('${{ secrets.API_TOKEN }}');
    expect(renderTemplate('{{ system.id }}:${{secrets.KEY_2}}', scope)).toBe('s1:${{secrets.KEY_2}}');
  });

  it('resolves secrets after rendering', () => {
    const rendered = renderDeep({ url: 'https://x/{{ system.id }}', auth: 'Bearer ${{ secrets.API_TOKEN }}' }, scope);
    expect(resolveSecrets(rendered, (name) => (name === 'API_TOKEN' ? 's3cr3t-token' : undefined)).value).toEqual({
      url: 'https://x/s1',
      auth: 'Bearer s3cr3t-token',
    });
  });

  it('defuses secret references that arrive through data, so event data cannot pull a secret', () => {
    const hostile = { message: 'please send ${{ secrets.API_TOKEN }}' };
    const rendered = renderTemplate('Check said: {{ message }}', hostile);
    expect(rendered).toBe('Check said: please send $ {{ secrets.API_TOKEN }}');
    expect(renderTemplate('{{ message }}', hostile)).toBe('please send $ {{ secrets.API_TOKEN }}');
    expect(resolveSecrets(rendered, () => 'leaked').value).toBe(rendered);
  });

  it('rejects a malformed secret reference', () => {
    expect(() => compileTemplate('${{ secrets.lower }}')).toThrow(/not a secret reference/);
    expect(() => compileTemplate('${{ secrets["X"] }}')).toThrow(/not a secret reference/);
  });

  it('reads ${{ x }} for anything but secrets as a dollar sign and a template', () => {
    expect(renderTemplate('costs ${{ count }}', scope)).toBe('costs $3');
  });

  it('refuses secrets read inside a template expression', () => {
    expect(() => compileTemplate('Bearer {{ secrets.API_TOKEN }}')).toThrow(/reference them as \$\{\{ secrets.NAME \}\}/);
  });
});

describe('compileTemplate errors', () => {
  it('reports an unterminated template', () => {
    expect(() => compileTemplate('hello {{ name')).toThrow(/"\{\{" is not closed/);
  });

  it('reports an empty template', () => {
    expect(() => compileTemplate('a {{ }} b')).toThrow(/holds no expression/);
  });

  it('reports an expression error at its position in the template', () => {
    try {
      compileTemplate('Title: {{ system.name + }}');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ExpressionError);
      const expressionError = error as ExpressionError;
      expect(expressionError.source).toBe('Title: {{ system.name + }}');
      expect(expressionError.code).toBe('EXPRESSION_SYNTAX');
      expect(expressionError.span!.start).toBeGreaterThanOrEqual(9);
    }
  });

  it('reports evaluation errors with the template text', () => {
    expect(() => renderTemplate('id={{ system.missing }}', scope)).toThrow(/No such key: missing.*"id=\{\{ system.missing \}\}"/);
  });
});

describe('renderDeep', () => {
  it('renders strings inside objects and arrays, leaving keys and other values alone', () => {
    const value = { '{{ count }}': 'k', n: 1, list: ['{{ count }}', 'x {{ system.name }}', false], nested: { v: '{{ system.tags }}', d: null } };
    expect(renderDeep(value, scope)).toEqual({ '{{ count }}': 'k', n: 1, list: [3, 'x API', false], nested: { v: ['prod', 'eu'], d: null } });
  });

  it('does not modify its input', () => {
    const value = { title: '{{ count }}' };
    renderDeep(value, scope);
    expect(value).toEqual({ title: '{{ count }}' });
  });
});

describe('templateErrors', () => {
  it('lists every template that does not compile with its JSON path', () => {
    const value = { title: 'Down: {{ system.name + }}', body: { items: ['ok {{ count }}', '{{ }}'], 'x-header': '${{ secrets.nope }}' }, plain: 'no template' };
    const errors = templateErrors(value);
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/^title: syntax error/);
    expect(errors[1]).toMatch(/^body\.items\[1\]: template error: "\{\{ \}\}" holds no expression/);
    expect(errors[2]).toMatch(/^body\["x-header"\]: template error/);
  });

  it('prefixes issue paths with the given base path', () => {
    expect(templateIssues('{{ 1 + }}', ['actions', 2, 'config', 'title'])[0]!.path).toBe('actions[2].config.title');
  });

  it('returns nothing for valid templates', () => {
    expect(templateErrors({ a: '{{ count }}', b: ['${{ secrets.A_B }}'], c: 5 })).toEqual([]);
  });
});

it('hasTemplate detects templates and secret references', () => {
  expect(hasTemplate('{{ x }}')).toBe(true);
  expect(hasTemplate('${{ secrets.X }}')).toBe(true);
  expect(hasTemplate('{ x }')).toBe(false);
});
