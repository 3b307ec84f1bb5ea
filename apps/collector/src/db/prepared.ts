import type Database from 'better-sqlite3';
import { getTableColumns, getTableName, type Table } from 'drizzle-orm';
import type { Tx } from './open.js';

/**
 * The better-sqlite3 connection behind a database or a transaction. Statements run on it inside
 * a drizzle transaction belong to that transaction, because SQLite transactions are per connection.
 */
export function connectionOf(tx: Tx): Database.Database {
  return '$client' in tx ? tx.$client : (tx as unknown as { session: { client: Database.Database } }).session.client;
}

const cache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/**
 * Returns the prepared statement for `sql` on the connection, compiling it once. Drizzle's query
 * builder compiles every query it runs, which costs more than running it on the ingestion path,
 * so hot queries use these instead.
 */
export function prepared(tx: Tx, sql: string): Database.Statement {
  const connection = connectionOf(tx);
  let statements = cache.get(connection);
  if (!statements) cache.set(connection, (statements = new Map()));
  let statement = statements.get(sql);
  if (!statement) statements.set(sql, (statement = connection.prepare(sql)));
  return statement;
}

/** Builds the SQL to read and write whole rows of a table, with named parameters of its TypeScript field names. */
export function rowSql(table: Table) {
  const columns = Object.entries(getTableColumns(table)).map(([field, column]) => ({ field, name: column.name }));
  const name = getTableName(table);
  return {
    /** `SELECT "site_key" AS "siteKey", … FROM "table"`, for a WHERE clause to follow. */
    select: `SELECT ${columns.map(({ field, name: column }) => `"${column}" AS "${field}"`).join(', ')} FROM "${name}"`,
    /** `INSERT INTO "table" (…) VALUES (@siteKey, …)`. */
    insert: `INSERT INTO "${name}" (${columns.map(({ name: column }) => `"${column}"`).join(', ')}) VALUES (${columns.map(({ field }) => `@${field}`).join(', ')})`,
    /** `UPDATE "table" SET "site_key" = @siteKey, …`, for a WHERE clause to follow. */
    update: `UPDATE "${name}" SET ${columns.map(({ field, name: column }) => `"${column}" = @${field}`).join(', ')}`,
    fields: columns.map(({ field }) => field),
  };
}
