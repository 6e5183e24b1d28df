import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatGoFloat, goStruct, parseTemplates, TemplateError, type TemplateFunction } from '../support/go-template.js';

// The chart renderer's Go-template subset behaves as Go's text/template does (https://pkg.go.dev/text/template);
// each expected output below is what Go prints for the same template and data (Helm decodes YAML numbers as float64).
const render = (source: string, data: unknown, functions: Record<string, TemplateFunction> = {}): string => parseTemplates(new Map([['t', source]]), functions).render('t', data);

test('trim markers remove the white space beside an action, newlines included; `{{-3}}` is a number, not a trim', () => {
  assert.equal(render('a  \n  {{- .x -}}  \n  b', { x: 1 }), 'a1b');
  assert.equal(render('a {{ .x }} b', { x: 'X' }), 'a X b');
  assert.equal(render('{{-3}}', {}), '-3');
  assert.equal(render('a\n{{- /* a comment */}}\nb', {}), 'a\nb');
});

test('if / else if / else follow Go truth: empty strings, zero, nil, empty lists and maps are false', () => {
  const pick = '{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}';
  assert.equal(render(pick, { a: 'x', b: true }), 'A');
  assert.equal(render(pick, { a: '', b: true }), 'B');
  assert.equal(render(pick, { a: 0, b: [] }), 'C');
  assert.equal(render(pick, { a: {}, b: null }), 'C');
  assert.equal(render(pick, { b: { k: 1 } }), 'B', 'a missing key is nil');
});

test('range walks lists in order with Go int indexes and maps by sorted key; else runs when empty; with rebinds the dot', () => {
  assert.equal(render('{{ range $i, $v := .l }}{{ $i }}={{ $v }};{{ end }}', { l: ['a', 'b'] }), '0=a;1=b;');
  assert.equal(render('{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}', { m: { z: 1, a: 2 } }), 'a=2;z=1;');
  assert.equal(render('{{ range .l }}x{{ else }}none{{ end }}', { l: [] }), 'none');
  assert.equal(render('{{ with .m }}{{ .k }}{{ else }}no{{ end }}|{{ with .n }}{{ . }}{{ else }}no{{ end }}', { m: { k: 'v' }, n: '' }), 'v|no');
  assert.equal(render('{{ range .l }}{{ $.p }}{{ . }}{{ end }}', { l: [1, 2], p: '-' }), '-1-2', '$ is the root inside range');
});

test('variables are scoped to their block, `=` assigns the outer one; define and template share one set of files', () => {
  assert.equal(render('{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}', {}), '21');
  assert.equal(render('{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}', {}), '2');
  const set = parseTemplates(new Map([['_h.tpl', '{{ define "greet" }}hi {{ .name }}{{ end }}'], ['main', '{{ template "greet" .who }}!']]), {});
  assert.equal(set.render('main', { who: { name: 'Ann' } }), 'hi Ann!');
  assert.equal(set.include('greet', { name: 'Bo' }), 'hi Bo');
});

test('ints and float64s are distinct as in Go: comparing them fails, floats print in %v form, printf %d needs an int', () => {
  assert.throws(() => render('{{ gt .n 1 }}', { n: 3 }), /incompatible types for comparison/);
  assert.equal(render('{{ gt .n 1.0 }} {{ eq .s "a" "b" }}', { n: 3, s: 'b' }), 'true true');
  assert.equal(render('{{ .n }} {{ .big }} {{ .small }} {{ .f }}', { n: 8080, big: 1_000_000, small: 0.00001, f: 2.5 }), '8080 1e+06 1e-05 2.5');
  assert.equal(formatGoFloat(123456789012), '1.23456789012e+11');
  assert.equal(formatGoFloat(999999), '999999');
  assert.equal(formatGoFloat(0.0001), '0.0001');
  assert.throws(() => render('{{ printf "%d" .n }}', { n: 3 }), /%d of a float64/);
  assert.equal(render('{{ printf "%s:%d %v" "a" 7 .l }}', { l: ['x', 'y'] }), 'a:7 [x y]');
});

test('and/or return the deciding argument and stop there; len and index work on lists and maps', () => {
  let called = false;
  const functions = { boom: () => { called = true; return 'b'; } };
  assert.equal(render('{{ or .a "fallback" }}|{{ and .a (boom) }}', { a: '' }, functions), 'fallback|');
  assert.equal(called, false, 'and stopped at the empty first argument');
  assert.equal(render('{{ len .l }} {{ index .m "k" }} {{ index .l 1 }}', { l: ['a', 'b'], m: { k: 'v' } }), '2 v b');
});

test('a missing map key prints <no value>; a field of nil, a missing struct field and an undefined function are errors', () => {
  assert.equal(render('[{{ .missing }}]', {}), '[<no value>]');
  assert.throws(() => render('{{ .a.b }}', {}), /nil pointer evaluating interface \{\}\.b/);
  assert.throws(() => render('{{ .Release.name }}', { Release: goStruct({ Name: 'r' }) }), /can't evaluate field name/);
  assert.throws(() => render('{{ nope 1 }}', {}), (error: unknown) => error instanceof TemplateError && /function "nope" not defined/.test(error.message));
  assert.throws(() => render('{{ if true }}x', {}), /unexpected EOF in if/);
  assert.throws(() => render('line1\n{{ .a.b }}', {}), /template: t:2:/, 'errors name the template and line');
});

test('pipelines pass the value as the last argument; a field chain may end in a method; parenthesised pipelines take fields', () => {
  const functions = { wrap: (left: unknown, value: unknown) => `${String(left)}(${String(value)})`, pair: () => ({ k: 'v' }) };
  assert.equal(render('{{ .x | wrap "a" | wrap "b" }}', { x: 'x' }, functions), 'b(a(x))');
  assert.equal(render('{{ .Files.Get "f" }}', { Files: goStruct({ Get: (name: unknown) => `content of ${String(name)}` }) }), 'content of f');
  assert.equal(render('{{ (pair).k }}', {}, functions), 'v');
});
