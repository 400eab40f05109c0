// SQLite -> PostgreSQL -> SQLite through Vault.copy, and the PostgreSQL copy opened and used
// directly by Vault.open. Imported by test/vault-copy.test.mjs when VO_TEST_PG is set, or
// run as a script under tests/pg/with_postgres.py (which starts a throw-away server and sets
// VO_TEST_PG); prints one line "pg round trip ok <json>" on success, exits non-zero otherwise.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { voiceops, tempDir, testKey } from './helpers.mjs';

const keys = [{ id: 'k1', key: testKey() }];

/** A libpq URI with the vault's schema parameter added. */
export function withSchema(uri, schema) {
  return uri + (uri.includes('?') ? '&' : '?') + 'schema=' + schema;
}

export async function pgRoundTrip(pgUri) {
  const d = tempDir();
  try {
    const src = d.file('src.db');
    const v = await voiceops.Vault.open(src, { keys, actor: 'node-copy' });
    await v.createTenant('acme');
    await v.putSecret('acme', 'api', 'through-postgres-1');
    await v.putSecret('acme', 'api', 'through-postgres-2');
    await v.putTwilioCredentials('acme', { accountSid: 'AC' + '4'.repeat(32), authToken: 'e'.repeat(32) });
    v.close();

    const pg = withSchema(pgUri, 'node_copy');
    await voiceops.Vault.copy(pg, src, { keys, actor: 'node-copy' });
    // the PostgreSQL copy opens and works through the ordinary API
    const p = await voiceops.Vault.open(pg, { keys, actor: 'node-copy' });
    const got = await p.getSecret('acme', 'api');
    assert.equal(got.secret.reveal(), 'through-postgres-2');
    assert.equal(got.version, 2);
    assert.equal((await p.getSecret('acme', 'api', { version: 1 })).secret.reveal(), 'through-postgres-1');
    assert.equal((await p.auditVerify()).intact, true);
    await p.putSecret('acme', 'written-on-pg', 'pg-side');
    p.close();
    // a second copy into the same schema is refused: it holds a vault now
    await assert.rejects(voiceops.Vault.copy(pg, src, { keys }), voiceops.ExistsError);

    const back = d.file('back.db');
    await voiceops.Vault.copy(back, pg, { keys, actor: 'node-copy' });
    const b = await voiceops.Vault.open(back, { keys, noCreate: true });
    assert.equal((await b.getSecret('acme', 'api')).secret.reveal(), 'through-postgres-2');
    assert.equal((await b.getSecret('acme', 'written-on-pg')).secret.reveal(), 'pg-side');
    assert.equal((await b.getTwilioCredentials('acme')).credentials.accountSid, 'AC' + '4'.repeat(32));
    const audit = await b.auditVerify();
    assert.equal(audit.intact, true);
    const actions = [];
    for await (const row of b.audit()) actions.push(row.action);
    assert.ok(actions.filter((a) => a === 'vault.copy').length >= 2, actions.join(','));
    b.close();
    return { rows: audit.rows, copies: actions.filter((a) => a === 'vault.copy').length };
  } finally {
    d.remove();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.env.VO_TEST_PG) {
    console.error('vault-copy-pg: VO_TEST_PG is not set (run under tests/pg/with_postgres.py)');
    process.exit(2);
  }
  pgRoundTrip(process.env.VO_TEST_PG).then(
    (r) => console.log('pg round trip ok ' + JSON.stringify(r)),
    (e) => { console.error(e && e.stack ? e.stack : e); process.exit(1); },
  );
}
