/* The PostgreSQL backend of the vault (backend_pg.c), compiled when libpq is found. */
#ifndef VO_VAULT_BACKEND_PG_H
#define VO_VAULT_BACKEND_PG_H

#include <stdbool.h>

#include "backend.h"

extern const vo__backend_ops vo__pg_backend;

/** True when a vault location names a PostgreSQL database: a postgresql:// or postgres://
 *  URI, or a libpq key=value string (host=..., dbname=..., service=..., ...). */
bool vo__pg_location(const char *uri);

#endif
