import { describe, expect, it } from 'vitest';
import { isDataRejected, PersistenceError } from './errors.ts';

/** A driver error as pg (`DatabaseError`) and PGlite raise them: the SQLSTATE in `code`, knex's SQL prefix in the message. */
const driverError = (code: string | undefined, message: string) => Object.assign(new Error(`select $1::jsonb - ${message}`), code === undefined ? {} : { code });

describe('PersistenceError.fromDriver', () => {
  it.each([
    ['22P05', 'DB_DATA_REJECTED'],
    ['22P02', 'DB_DATA_REJECTED'],
    ['22021', 'DB_DATA_REJECTED'],
    ['54001', 'DB_DATA_REJECTED'],
    ['08006', 'DB_UNAVAILABLE'],
    ['08001', 'DB_UNAVAILABLE'],
    ['57P01', 'DB_UNAVAILABLE'],
    ['57P02', 'DB_UNAVAILABLE'],
    ['57P03', 'DB_UNAVAILABLE'],
    ['53300', 'DB_UNAVAILABLE'],
    ['57014', 'DB_QUERY_FAILED'],
    ['23505', 'DB_QUERY_FAILED'],
    ['42P01', 'DB_QUERY_FAILED'],
    ['40001', 'DB_QUERY_FAILED'],
  ])('translates SQLSTATE %s by its class into %s', (sqlState, code) => {
    const error = PersistenceError.fromDriver('query', driverError(sqlState, 'something the server said'));
    expect(error).toMatchObject({ code, sqlState, message: `query: something the server said (SQLSTATE ${sqlState})` });
    expect(isDataRejected(error)).toBe(code === 'DB_DATA_REJECTED');
  });

  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), 'DB_UNAVAILABLE'],
    ['a reset connection', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'DB_UNAVAILABLE'],
    ["pg's terminated connection (no code)", new Error('Connection terminated unexpectedly'), 'DB_UNAVAILABLE'],
    ["knex's pool timeout (no code)", new Error('Knex: Timeout acquiring a connection. The pool is probably full.'), 'DB_UNAVAILABLE'],
    ['a stack overflow while encoding', new RangeError('Maximum call stack size exceeded'), 'DB_DATA_REJECTED'],
    ['anything else', new Error('select 1 - closed form'), 'DB_QUERY_FAILED'],
  ])('translates %s', (_label, cause, code) => {
    expect(PersistenceError.fromDriver('query', cause)).toMatchObject({ code });
  });

  it('never guesses from the message of an error that carries a SQLSTATE', () => {
    expect(PersistenceError.fromDriver('query', driverError('22P05', 'Connection terminated'))).toMatchObject({ code: 'DB_DATA_REJECTED' });
    expect(PersistenceError.fromDriver('query', driverError('42703', 'column "timeout" does not exist'))).toMatchObject({ code: 'DB_QUERY_FAILED' });
  });
});
