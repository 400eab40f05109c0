/*
 * The vault against someone who can write its file, a key provider that misbehaves and
 * hostile import input (issue 9, "The vault"). Each test fails on the bug it names.
 */
#include <time.h>

#include "vault/vault_internal.h"
#include "kms_testutil.h"
#include "vault_testutil.h"
#include "voiceops/services.h"

/* ---- oversized records -------------------------------------------------------------- */

/* A ciphertext row grown past VO_VAULT_VALUE_MAX: every path reports a tampered record
 * (was: a write past the decryption buffer in DEK rotation, VO_ERANGE on read). */
START_TEST(oversized_ciphertext_is_tampering)
{
    vo_vault *v = tv_open();
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    tv_put(v, "t", "s", "value");
    vo_vault_close(v);
    tv_sql(tv_path, "UPDATE secrets SET ct = ct || zeroblob(70000)");
    v = tv_open();
    ck_assert_vo_rc(tv_get_rc(v, "t", "s", 0), VO_ECRYPTO);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "'s'"));
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "tampered"));
    unsigned char buf[16];
    size_t len = 0;
    ck_assert_vo_rc(vo_vault_secret_get_into(buf, sizeof(buf), &len, NULL, v, "t", "s", 0),
                    VO_ECRYPTO);
    ck_assert_vo_rc(vo_vault_tenant_rotate_dek(v, "t"), VO_ECRYPTO);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "tampered"));
    /* Nothing changed: the tenant still has generation 1. */
    ck_assert_int_eq(tv_sql_int(tv_path, "SELECT dek_gen FROM tenants WHERE name='t'"), 1);
    vo_vault_close(v);
}
END_TEST

static vo_vault *open_kms(int *rc_out)
{
    vo_keyring *kr = NULL;
    ck_assert_vo_ok(vo_keyring_new(&kr));
    ck_assert_vo_ok(vo_keyring_add_provider(kr, "kms", pt_kms_wrap, pt_kms_unwrap, NULL));
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    o.dek_cache_size = -1;
    vo_vault *v = NULL;
    int rc = vo_vault_open(&v, tv_path, &o);
    vo_keyring_free(kr);
    if (rc_out)
        *rc_out = rc;
    else
        ck_assert_msg(rc == VO_OK, "open: %s", vo_error_last()->message);
    return v;
}

/* Stored wrapped keys and check values longer than VO_VAULT_WRAPPED_MAX never reach the
 * provider (was: called with wrapped_len 1025 over a 1024-byte buffer). */
START_TEST(oversized_wrapped_keys_never_reach_the_provider)
{
    randombytes_buf(pt_kms.key, 32);
    pt_kms.fail = 0;
    vo_vault *v = open_kms(NULL);
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    tv_put(v, "t", "s", "value");
    vo_vault_close(v);

    /* the tenant's wrapped data key */
    tv_sql(tv_path, "CREATE TABLE saved AS SELECT wrapped_dek FROM tenants;"
                    "UPDATE tenants SET wrapped_dek = wrapped_dek || randomblob(2000)");
    pt_kms.max_len = 0;
    v = open_kms(NULL);
    ck_assert_vo_rc(tv_get_rc(v, "t", "s", 0), VO_ECRYPTO);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "tenant 't'"));
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "tampered"));
    ck_assert_vo_rc(vo_vault_tenant_rotate_dek(v, "t"), VO_ECRYPTO);
    ck_assert_uint_le(pt_kms.max_len, VO_VAULT_WRAPPED_MAX);
    vo_vault_close(v);
    tv_sql(tv_path, "UPDATE tenants SET wrapped_dek = (SELECT wrapped_dek FROM saved)");
    v = open_kms(NULL);
    tv_expect(v, "t", "s", "value");
    vo_vault_close(v);

    /* the KEK's check value */
    tv_sql(tv_path, "CREATE TABLE savedk AS SELECT check_blob FROM keks;"
                    "UPDATE keks SET check_blob = check_blob || randomblob(2000)");
    pt_kms.max_len = 0;
    int rc = 0;
    v = open_kms(&rc);
    ck_assert_ptr_null(v);
    ck_assert_vo_rc(rc, VO_ECRYPTO);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "'kms'"));
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "tampered"));
    ck_assert_uint_le(pt_kms.max_len, VO_VAULT_WRAPPED_MAX);
    tv_sql(tv_path, "UPDATE keks SET check_blob = (SELECT check_blob FROM savedk)");
    v = open_kms(NULL);
    vo_vault_close(v);

    /* the wrapped audit key */
    tv_sql(tv_path, "UPDATE meta SET value = value || randomblob(2000) WHERE key='audit_key'");
    pt_kms.max_len = 0;
    v = open_kms(&rc);
    ck_assert_ptr_null(v);
    ck_assert_vo_rc(rc, VO_ECRYPTO);
    ck_assert_msg(strstr(vo_error_last()->message, "audit key"), "%s",
                  vo_error_last()->message);
    ck_assert_uint_le(pt_kms.max_len, VO_VAULT_WRAPPED_MAX);
}
END_TEST

/* A passphrase KEK's salt of the wrong size is a tampered record, not a storage error. */
START_TEST(oversized_salt_is_tampering)
{
    vo_keyring *kr = NULL;
    ck_assert_vo_ok(vo_keyring_new(&kr));
    ck_assert_vo_ok(vo_keyring_add_passphrase(kr, "pw", "horse", 5, crypto_pwhash_OPSLIMIT_MIN,
                                              crypto_pwhash_MEMLIMIT_MIN));
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    vo_vault *v = NULL;
    ck_assert_vo_ok(vo_vault_open(&v, tv_path, &o));
    vo_vault_close(v);
    tv_sql(tv_path, "UPDATE keks SET kdf_salt = kdf_salt || x'00'");
    ck_assert_vo_rc(vo_vault_open(&v, tv_path, &o), VO_ECRYPTO);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "'pw'"));
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "salt"));
    vo_keyring_free(kr);
}
END_TEST

/* ---- open is all or nothing --------------------------------------------------------- */

START_TEST(failed_open_commits_nothing)
{
    vo_vault *v = tv_open();
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    tv_put(v, "t", "s", "value");
    vo_vault_close(v);
    int64_t audit_rows = tv_sql_int(tv_path, "SELECT count(*) FROM audit");
    /* A keyring whose only KEK is new to the vault: the audit key cannot be unwrapped. */
    vo_keyring *kr = NULL;
    ck_assert_vo_ok(vo_keyring_new(&kr));
    unsigned char wrong[32];
    tv_key_bytes(wrong, 4242);
    ck_assert_vo_ok(vo_keyring_add_key(kr, "k2", wrong, 32));
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    ck_assert_vo_rc(vo_vault_open(&v, tv_path, &o), VO_ECRYPTO);
    vo_keyring_free(kr);
    ck_assert_int_eq(tv_sql_int(tv_path, "SELECT count(*) FROM keks WHERE kek_id='k2'"), 0);
    ck_assert_int_eq(tv_sql_int(tv_path, "SELECT count(*) FROM audit"), audit_rows);
    /* The real k2 (other bytes) is accepted next to k1, and the chain verifies. */
    v = tv_open_with(tv_path, "k1,k2", "k1", 16);
    tv_expect(v, "t", "s", "value");
    ck_assert_int_eq(tv_sql_int(tv_path, "SELECT count(*) FROM keks WHERE kek_id='k2'"), 1);
    int64_t rows = 0, bad = -1;
    ck_assert_vo_ok(vo_vault_audit_verify(&rows, &bad, NULL, v));
    ck_assert_int_eq(bad, 0);
    ck_assert_int_gt(rows, audit_rows);
    vo_vault_close(v);
}
END_TEST

/* ---- key provider down -------------------------------------------------------------- */

START_TEST(provider_down_is_unavailable_not_wrong_key)
{
    randombytes_buf(pt_kms.key, 32);
    pt_kms.fail = 0;
    vo_vault *v = open_kms(NULL);
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    tv_put(v, "t", "s", "value");
    vo_vault_close(v);
    pt_kms.fail = VO_EUNAVAILABLE;
    int rc = 0;
    v = open_kms(&rc);
    ck_assert_ptr_null(v);
    ck_assert_vo_rc(rc, VO_EUNAVAILABLE);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "unavailable"));
    ck_assert_ptr_null(strstr(vo_error_last()->message, "wrong key"));
    pt_kms.fail = 0;
    v = open_kms(NULL);
    pt_kms.fail = VO_EUNAVAILABLE;
    ck_assert_vo_rc(tv_get_rc(v, "t", "s", 0), VO_EUNAVAILABLE);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "unavailable"));
    pt_kms.fail = 0;
    tv_expect(v, "t", "s", "value");
    vo_vault_close(v);
}
END_TEST

/* ---- Argon2id limits from the file -------------------------------------------------- */

START_TEST(stored_argon2_limits_are_capped)
{
    vo_keyring *kr = NULL;
    ck_assert_vo_ok(vo_keyring_new(&kr));
    ck_assert_vo_ok(vo_keyring_add_passphrase(kr, "pw", "horse", 5, crypto_pwhash_OPSLIMIT_MIN,
                                              crypto_pwhash_MEMLIMIT_MIN));
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    vo_vault *v = NULL;
    ck_assert_vo_ok(vo_vault_open(&v, tv_path, &o));
    vo_vault_close(v);
    const char *edits[] = {
        "UPDATE keks SET kdf_ops = 1000000000",                 /* hours of work */
        "UPDATE keks SET kdf_ops = 1, kdf_mem = 1099511627776", /* 1 TiB */
        "UPDATE keks SET kdf_ops = 17, kdf_mem = 8192",
    };
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        tv_sql(tv_path, edits[i]);
        time_t t0 = time(NULL);
        ck_assert_vo_rc(vo_vault_open(&v, tv_path, &o), VO_EUNSUPPORTED);
        ck_assert_int_le(time(NULL) - t0, 2);
        ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "Argon2id"));
        ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "'pw'"));
    }
    vo_keyring_free(kr);
    /* The same caps when a passphrase KEK is added. */
    ck_assert_vo_ok(vo_keyring_new(&kr));
    ck_assert_vo_rc(vo_keyring_add_passphrase(kr, "a", "horse", 5, 17, 0), VO_EINVAL);
    ck_assert_vo_rc(vo_keyring_add_passphrase(kr, "b", "horse", 5, 0,
                                              (size_t)crypto_pwhash_MEMLIMIT_SENSITIVE + 1),
                    VO_EINVAL);
    ck_assert_vo_ok(
        vo_keyring_add_passphrase(kr, "c", "horse", 5, 16, crypto_pwhash_MEMLIMIT_SENSITIVE));
    vo_keyring_free(kr);
}
END_TEST

/* ---- JSON import and NUL ------------------------------------------------------------ */

START_TEST(json_import_nul_and_binary)
{
    vo_vault *v = tv_open();
    static const char doc[] =
        "[{\"tenant\":\"imp\\u0000evil\",\"name\":\"a\",\"value\":\"x\"},"
        " {\"tenant\":\"imp\",\"name\":\"ok\\u0000x\",\"value\":\"y\"},"
        " {\"tenant\":\"imp\",\"name\":\"bin\",\"value\":\"a\\u0000b\\u00e9\\ud83d\\ude00\"},"
        " {\"tenant\":\"imp\",\"name\":\"dup\",\"value\":\"1\",\"value\":\"2\"},"
        " {\"tenant\":\"imp\",\"name\":\"esc\",\"value\":\"q\\\"\\\\\\/\\b\\f\\n\\r\\t\","
        "  \"extra\":[1,{\"deep\":[true,false,null,-1.5e3]}]},"
        " 7,"
        " {\"tenant\":\"imp\",\"name\":\"n\",\"value\":42}]";
    vo_import_report *rep = NULL;
    ck_assert_vo_ok(vo_vault_import_buffer(&rep, v, doc, sizeof(doc) - 1, VO_IMPORT_JSON,
                                           VO_IMPORT_CREATE_TENANTS));
    ck_assert_int_eq(vo_import_report_imported(rep), 2);
    ck_assert_int_eq(vo_import_report_rejected(rep), 5);
    ck_assert_uint_eq(vo_import_report_rejection_count(rep), 5);
    ck_assert_int_eq(vo_import_report_rejection_row(rep, 0), 1);
    ck_assert_ptr_nonnull(strstr(vo_import_report_rejection_reason(rep, 0), "NUL"));
    ck_assert_int_eq(vo_import_report_rejection_row(rep, 1), 2);
    ck_assert_ptr_nonnull(strstr(vo_import_report_rejection_reason(rep, 1), "NUL"));
    ck_assert_int_eq(vo_import_report_rejection_row(rep, 2), 4);
    ck_assert_ptr_nonnull(strstr(vo_import_report_rejection_reason(rep, 2), "duplicate"));
    ck_assert_int_eq(vo_import_report_rejection_row(rep, 3), 6);
    ck_assert_int_eq(vo_import_report_rejection_row(rep, 4), 7);
    vo_import_report_free(rep);
    /* Binary value stored exactly: a, NUL, b, U+00E9, U+1F600. */
    static const unsigned char want[] = {'a', 0, 'b', 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80};
    unsigned char got[32];
    size_t len = 0;
    ck_assert_vo_ok(vo_vault_secret_get_into(got, sizeof(got), &len, NULL, v, "imp", "bin", 0));
    ck_assert_uint_eq(len, sizeof(want));
    ck_assert_mem_eq(got, want, sizeof(want));
    tv_expect(v, "imp", "esc", "q\"\\/\b\f\n\r\t");
    /* Only "imp" exists: no tenant was created from the truncated id. */
    vo_tenant_list *tl = NULL;
    ck_assert_vo_ok(vo_vault_tenant_list(&tl, v, NULL, 0));
    ck_assert_uint_eq(vo_tenant_list_count(tl), 1);
    ck_assert_str_eq(vo_tenant_list_id(tl, 0), "imp");
    vo_tenant_list_free(tl);
    ck_assert_vo_rc(tv_get_rc(v, "imp", "ok", 0), VO_ENOTFOUND);

    /* Malformed documents are refused whole. */
    const char *bad[] = {
        "[",    "[{\"tenant\":\"a\"", "[\"\\u00\"]", "[\"\\ud800\"]", "[1,]", "{}",
        "[] x", "[\"\\x\"]",          "[01]",        "[tru]",         NULL};
    for (int i = 0; bad[i]; i++) {
        rep = NULL;
        ck_assert_msg(vo_vault_import_buffer(&rep, v, bad[i], strlen(bad[i]), VO_IMPORT_JSON,
                                             0) == VO_EPARSE,
                      "accepted: %s", bad[i]);
        ck_assert_ptr_null(rep);
    }
    /* Nesting is bounded. */
    char deep[600];
    memset(deep, '[', 300);
    memset(deep + 300, ']', 300);
    ck_assert_vo_rc(vo_vault_import_buffer(&rep, v, deep, 600, VO_IMPORT_JSON, 0), VO_EPARSE);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "deep"));
    vo_vault_close(v);
}
END_TEST

/* ---- the routing index tenant is reserved ------------------------------------------- */

START_TEST(routing_tenant_is_reserved)
{
    vo_vault *v = tv_open();
    const char *R = VO_ROUTING_TENANT;
    ck_assert_vo_rc(vo_vault_tenant_create(v, R), VO_EINVAL);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "reserved"));
    ck_assert_vo_ok(vo_vault_tenant_create(v, "acme"));
    char token[VO_ROUTING_TOKEN_SIZE];
    ck_assert_vo_ok(vo_routing_token_mint(token, sizeof(token), v, "acme"));
    /* The index exists now, but no ordinary call reaches it. */
    ck_assert_int_eq(
        tv_sql_int(tv_path, "SELECT count(*) FROM tenants WHERE name='" VO_ROUTING_TENANT "'"),
        1);
    ck_assert_vo_rc(vo_vault_tenant_delete(v, R), VO_EINVAL);
    ck_assert_vo_rc(vo_vault_secret_put(NULL, v, R, "routing/key", "x", 1, -1), VO_EINVAL);
    ck_assert_vo_rc(tv_get_rc(v, R, "routing/key", 0), VO_EINVAL);
    unsigned char buf[64];
    size_t len = 0;
    ck_assert_vo_rc(
        vo_vault_secret_get_into(buf, sizeof(buf), &len, NULL, v, R, "routing/key", 0),
        VO_EINVAL);
    ck_assert_vo_rc(vo_vault_secret_delete(v, R, "routing/key", -1), VO_EINVAL);
    vo_secret_list *sl = NULL;
    ck_assert_vo_rc(vo_vault_secret_list(&sl, v, R), VO_EINVAL);
    vo_tenant_list *tl = NULL;
    ck_assert_vo_rc(vo_vault_tenant_get(&tl, v, R), VO_EINVAL);
    ck_assert_vo_rc(vo_vault_tenant_rotate_dek(v, R), VO_EINVAL);
    /* Hidden from lists, and paging still returns full pages. */
    ck_assert_vo_ok(vo_vault_tenant_create(v, "zeta"));
    ck_assert_vo_ok(vo_vault_tenant_list(&tl, v, NULL, 0));
    ck_assert_uint_eq(vo_tenant_list_count(tl), 2);
    ck_assert_str_eq(vo_tenant_list_id(tl, 0), "acme");
    ck_assert_str_eq(vo_tenant_list_id(tl, 1), "zeta");
    vo_tenant_list_free(tl);
    ck_assert_vo_ok(vo_vault_tenant_list(&tl, v, "acme", 1));
    ck_assert_uint_eq(vo_tenant_list_count(tl), 1);
    ck_assert_str_eq(vo_tenant_list_id(tl, 0), "zeta");
    vo_tenant_list_free(tl);
    /* Import cannot write it either. */
    static const char csv[] = "tenant,name,value\n" VO_ROUTING_TENANT ",routing/key,x\n";
    vo_import_report *rep = NULL;
    ck_assert_vo_ok(vo_vault_import_buffer(&rep, v, csv, sizeof(csv) - 1, VO_IMPORT_CSV,
                                           VO_IMPORT_OVERWRITE));
    ck_assert_int_eq(vo_import_report_rejected(rep), 1);
    ck_assert_ptr_nonnull(strstr(vo_import_report_rejection_reason(rep, 0), "reserved"));
    vo_import_report_free(rep);
    /* Routing still works. */
    char tenant[VO_VAULT_TENANT_MAX + 1];
    ck_assert_vo_ok(vo_routing_token_resolve(tenant, sizeof(tenant), v, token));
    ck_assert_str_eq(tenant, "acme");
    /* KEK rotation still rewraps the index's data key. */
    vo_vault_close(v);
    v = tv_open_with(tv_path, "k1,k2", "k2", 16);
    int64_t remaining = -1;
    ck_assert_vo_ok(vo_vault_kek_rotate(&remaining, v, NULL, NULL, NULL));
    ck_assert_int_eq(remaining, 0);
    ck_assert_int_eq(tv_sql_int(tv_path, "SELECT count(*) FROM tenants WHERE kek_id='k1'"), 0);
    ck_assert_vo_ok(vo_vault_kek_retire(v, "k1"));
    ck_assert_vo_ok(vo_routing_token_resolve(tenant, sizeof(tenant), v, token));
    vo_vault_close(v);
}
END_TEST

/* ---- tests that should exist -------------------------------------------------------- */

/* White-box: the associated data itself binds the tenant, not only the per-tenant key. */
START_TEST(sealed_record_does_not_open_as_another_tenant)
{
    vo_vault *v = tv_open();
    unsigned char dek[VO_VAULT_KEY_SIZE];
    randombytes_buf(dek, sizeof(dek));
    vo__secret_rec m;
    memset(&m, 0, sizeof(m));
    snprintf(m.name, sizeof(m.name), "twilio/token");
    m.version = 1;
    m.dek_gen = 1;
    m.created_ms = 1700000000000;
    vo__buf ct = VO__BUF_INIT;
    ck_assert_vo_ok(vo__seal_secret(v, "alice", &m, dek, (const unsigned char *)"pt", 2, &ct));
    unsigned char out[16];
    size_t len = 0;
    ck_assert_vo_ok(vo__open_secret(v, "alice", &m, dek, (const unsigned char *)ct.data, ct.len,
                                    out, &len));
    ck_assert_uint_eq(len, 2);
    ck_assert_vo_rc(
        vo__open_secret(v, "bob", &m, dek, (const unsigned char *)ct.data, ct.len, out, &len),
        VO_ECRYPTO);
    /* Nor with a tenant id that shares a prefix. */
    ck_assert_vo_rc(vo__open_secret(v, "alice2", &m, dek, (const unsigned char *)ct.data,
                                    ct.len, out, &len),
                    VO_ECRYPTO);
    vo__buf_free(&ct, false);
    vo_vault_close(v);
}
END_TEST

/* A check-and-set put or delete with a stale version is refused and changes nothing. */
START_TEST(check_and_set_refuses_stale_versions)
{
    vo_vault *v = tv_open();
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    int64_t ver = 0;
    ck_assert_vo_ok(vo_vault_secret_put(&ver, v, "t", "s", "v1", 2, 0));
    ck_assert_vo_ok(vo_vault_secret_put(&ver, v, "t", "s", "v2", 2, 1));
    ck_assert_vo_ok(vo_vault_secret_put(&ver, v, "t", "s", "v3", 2, 2));
    ck_assert_int_eq(ver, 3);
    for (int64_t stale = 1; stale <= 2; stale++) {
        ck_assert_vo_rc(vo_vault_secret_put(&ver, v, "t", "s", "lost", 4, stale), VO_ECONFLICT);
        ck_assert_int_eq(ver, 0);
        ck_assert_vo_rc(vo_vault_secret_delete(v, "t", "s", stale), VO_ECONFLICT);
    }
    ck_assert_vo_rc(vo_vault_secret_put(&ver, v, "t", "s", "lost", 4, 4), VO_ECONFLICT);
    tv_expect(v, "t", "s", "v3");
    ck_assert_int_eq(tv_sql_int(tv_path, "SELECT max(version) FROM secrets"), 3);
    ck_assert_vo_ok(vo_vault_secret_put(&ver, v, "t", "s", "v4", 2, 3));
    ck_assert_int_eq(ver, 4);
    vo_vault_close(v);
}
END_TEST

/* ---- the audit chain's MAC format ---------------------------------------------------- */

static void ref_str(crypto_auth_hmacsha256_state *st, const char *s)
{
    size_t n = strlen(s);
    unsigned char len[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                            (unsigned char)(n >> 8), (unsigned char)n};
    crypto_auth_hmacsha256_update(st, len, 4);
    crypto_auth_hmacsha256_update(st, (const unsigned char *)s, n);
}

static void ref_u64(crypto_auth_hmacsha256_state *st, int64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)v >> (56 - 8 * i));
    crypto_auth_hmacsha256_update(st, b, 8);
}

/* Every row the library writes carries mac = HMAC-SHA256(audit key, "voiceops.audit.v1" ||
 * vault id || previous mac || seq || time || tenant || name || action || actor ||
 * correlation id || result), strings with 4-byte big-endian lengths: recomputed here field
 * by field, the plain way, from the rows in the file. Fails when the precomputed keyed state
 * or the one-buffer encoding change a single byte of what is hashed. */
START_TEST(audit_mac_format_is_unchanged)
{
    vo_vault *v = tv_open();
    unsigned char key[VO_VAULT_KEY_SIZE];
    memcpy(key, v->audit_key, sizeof(key));
    char vault_id[sizeof(v->vault_id)];
    memcpy(vault_id, v->vault_id, sizeof(vault_id));
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    tv_put(v, "t", "svc/a", "x");
    for (int i = 0; i < 40; i++) {
        if (i % 3 == 0)
            ck_assert_vo_ok(vo_correlation_id_set(i % 2 ? "req-0123456789abcdef" : "c"));
        else
            vo_correlation_id_set(NULL);
        tv_expect(v, "t", "svc/a", "x");
        ck_assert_vo_rc(tv_get_rc(v, "t", "missing", 0), VO_ENOTFOUND);
    }
    vo_correlation_id_set(NULL);
    ck_assert_vo_ok(vo_vault_audit_append(v, "t", "free text name, 40 chars long ........",
                                          "twilio.fallback", "ok"));
    ck_assert_vo_ok(vo_vault_audit_flush(v));
    if (tv_pg) {
        /* the rows are MACed by the same code on every backend; the file is SQLite's */
        int64_t rows = 0;
        ck_assert_vo_ok(vo_vault_audit_verify(&rows, NULL, NULL, v));
        ck_assert_int_ge(rows, 84);
        vo_vault_close(v);
        sodium_memzero(key, sizeof(key));
        return;
    }
    vo_vault_close(v);

    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open_v2(tv_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db,
                                        "SELECT seq, ts_ms, tenant, name, action, actor,"
                                        " correlation_id, result, mac FROM audit ORDER BY seq",
                                        -1, &st, NULL),
                     SQLITE_OK);
    unsigned char prev[32] = {0};
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        crypto_auth_hmacsha256_state h;
        crypto_auth_hmacsha256_init(&h, key, sizeof(key));
        ref_str(&h, "voiceops.audit.v1");
        ref_str(&h, vault_id);
        crypto_auth_hmacsha256_update(&h, prev, sizeof(prev));
        ref_u64(&h, sqlite3_column_int64(st, 0));
        ref_u64(&h, sqlite3_column_int64(st, 1));
        for (int c = 2; c <= 7; c++)
            ref_str(&h, (const char *)sqlite3_column_text(st, c));
        unsigned char mac[32];
        crypto_auth_hmacsha256_final(&h, mac);
        ck_assert_int_eq(sqlite3_column_bytes(st, 8), 32);
        ck_assert_mem_eq(mac, sqlite3_column_blob(st, 8), 32);
        memcpy(prev, mac, sizeof(prev));
        rows++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    sodium_memzero(key, sizeof(key));
    ck_assert_int_ge(rows, 84); /* kek.register, tenant.create, put, 80 reads, the append */
}
END_TEST

/* Audit rows are inserted by batches of 32 inside their transaction (backend_sqlite.c): every
 * queued row lands exactly once, in order, whatever the batch size and the count, rows of a
 * transaction that fails are not kept, and rows queued in a transaction are visible to the
 * chain's tail before the batch is full. */
START_TEST(audit_rows_batched_exactly_once)
{
    vo_keyring *kr = tv_keyring("k1", NULL);
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    o.actor = "test-suite";
    o.audit_buffer_rows = 45; /* not a multiple of the batch */
    vo_vault *v = NULL;
    ck_assert_vo_ok(vo_vault_open(&v, tv_path, &o));
    vo_keyring_free(kr);
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    int64_t ver = 0;
    ck_assert_vo_ok(vo_vault_secret_put(&ver, v, "t", "s", "v", 1, VO_VAULT_ANY_VERSION));
    int64_t rows0 = 0;
    ck_assert_vo_ok(vo_vault_audit_verify(&rows0, NULL, NULL, v));
    for (int i = 0; i < 333; i++) {
        tv_expect(v, "t", "s", "v");
        if (i % 50 == 7) /* a check-and-set that fails: its transaction is rolled back */
            ck_assert_vo_rc(vo_vault_secret_put(NULL, v, "t", "s", "w", 1, ver + 5),
                            VO_ECONFLICT);
        if (i % 100 == 99) /* a write between batches: one transaction with the queue */
            ck_assert_vo_ok(vo_vault_audit_append(v, "t", "n", "app.event", "ok"));
    }
    int64_t rows = 0, bad = -1;
    int reason = -1;
    ck_assert_vo_ok(vo_vault_audit_verify(&rows, &bad, &reason, v));
    ck_assert_int_eq(bad, 0);
    /* 333 reads, 7 failed puts (each audited as a failure), 3 appends */
    ck_assert_int_eq(rows, rows0 + 333 + 7 + 3);
    vo_audit_list *l = NULL;
    ck_assert_vo_ok(vo_vault_audit_list(&l, v, "t", 0, 0, 0, 1000));
    size_t n = vo_audit_list_count(l), gets = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            ck_assert_int_eq(vo_audit_list_seq(l, i), vo_audit_list_seq(l, i - 1) + 1);
        if (strcmp(vo_audit_list_action(l, i), "secret.get") == 0)
            gets++;
    }
    ck_assert_uint_eq(gets, 333);
    vo_audit_list_free(l);
    vo_vault_close(v);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("vault_hardening");
    TCase *f = tcase_create("file_writer");
    tcase_add_checked_fixture(f, tv_setup, tv_teardown);
    tcase_set_timeout(f, 60);
    tcase_add_test(f, oversized_ciphertext_is_tampering);
    tcase_add_test(f, oversized_wrapped_keys_never_reach_the_provider);
    tcase_add_test(f, oversized_salt_is_tampering);
    tcase_add_test(f, failed_open_commits_nothing);
    tcase_add_test(f, provider_down_is_unavailable_not_wrong_key);
    tcase_add_test(f, stored_argon2_limits_are_capped);
    suite_add_tcase(s, f);
    TCase *a = tcase_create("api");
    tcase_add_checked_fixture(a, tv_setup, tv_teardown);
    tcase_set_timeout(a, 60);
    tcase_add_test(a, json_import_nul_and_binary);
    tcase_add_test(a, routing_tenant_is_reserved);
    tcase_add_test(a, sealed_record_does_not_open_as_another_tenant);
    tcase_add_test(a, check_and_set_refuses_stale_versions);
    tcase_add_test(a, audit_mac_format_is_unchanged);
    tcase_add_test(a, audit_rows_batched_exactly_once);
    suite_add_tcase(s, a);
    return s;
}

VO_TEST_MAIN(suite)
