/**
 * The Sandesh XML writer and request parsing, alone: escaping to pure
 * ASCII, attribute order, list and struct shapes, Contrail's time format,
 * and fields taken by position.
 */

import { describe, expect, it } from 'vitest';
import { positionalParams, parseBool, parseU32, splitIterate } from '../../src/introspect/sandesh/request.js';
import { escapeXml, sandesh, sandeshTime, str, strList, structList } from '../../src/introspect/sandesh/xml.js';

describe('the Sandesh XML writer', () => {
  it('escapes markup and writes every non-ASCII or forbidden character as a reference', () => {
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    expect(escapeXml('é€😀')).toBe('&#xE9;&#x20AC;&#x1F600;');
    expect(escapeXml('x\u0001y\tz')).toBe('x&#xFFFD;y&#9;z');
  });

  it('writes type and identifier first, then the other attributes sorted by name', () => {
    expect(str('next_batch', 2, 'a||b', { link_title: 'next_batch', link: 'ShowRouteReqIterate' })).toBe(
      '<next_batch type="string" identifier="2" link="ShowRouteReqIterate" link_title="next_batch">a||b</next_batch>');
  });

  it('wraps list items in a sized list element and ends a response with more', () => {
    expect(strList('flags', 17, [])).toBe('<flags type="list" identifier="17"><list type="string" size="0"></list></flags>');
    expect(sandesh('R', structList('xs', 1, 'X', ['<a type="u32" identifier="1">1</a>']))).toBe(
      '<R type="sandesh"><xs type="list" identifier="1"><list type="struct" size="1"><X><a type="u32" identifier="1">1</a></X></list></xs>' +
      '<more type="bool" identifier="0">false</more></R>');
  });

  it('formats times as UTCUsecToString does, in UTC with microseconds', () => {
    expect(sandeshTime(Date.UTC(2025, 0, 5, 3, 4, 5, 67))).toBe('2025-Jan-05 03:04:05.067000');
    expect(sandeshTime(undefined)).toBe('');
  });
});

describe('Sandesh request parameters', () => {
  const fields = [['routing_table', 'string'], ['routing_instance', 'string'], ['prefix', 'string']] as const;

  it('are taken by position, not by name, and decoded', () => {
    expect(positionalParams('x=inet.0', fields)).toEqual({ routing_table: 'inet.0', routing_instance: '', prefix: '' });
    expect(positionalParams('a=&b=blue&c=10.1.1.3%2F32', fields)).toEqual({ routing_table: '', routing_instance: 'blue', prefix: '10.1.1.3/32' });
    expect(positionalParams('', fields)).toEqual({ routing_table: '', routing_instance: '', prefix: '' });
  });

  it('read booleans and counts the way forms send them', () => {
    expect([parseBool('1'), parseBool('true'), parseBool(''), parseBool('0')]).toEqual([true, true, false, false]);
    expect([parseU32('25'), parseU32(''), parseU32('-1'), parseU32('99999999999')]).toEqual([25, 0, 0, 0]);
  });

  it('split an iteration token at the first separator', () => {
    expect(splitIterate('red||blue')).toEqual({ next: 'red', search: 'blue' });
    expect(splitIterate('nothing')).toBeUndefined();
  });
});
