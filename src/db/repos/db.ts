import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../tables.js';

/** Every repository function takes the pool or a transaction first: the caller decides which. */
export type Db = Kysely<Database> | Transaction<Database>;
