/* store_migrations.h - the schema migrations embedded in the binary
 * (generated from the NNNN_name.sql files of store/migrations/ by store/embed_sql.cmake). Internal
 * to store/. */
#ifndef CL_STORE_MIGRATIONS_H
#define CL_STORE_MIGRATIONS_H

#include <stddef.h>

typedef struct cl_store_migration {
    int version;          /* 1, 2, 3... */
    const char *name;     /* file name, e.g. "0001_store.sql" */
    const char *sql;      /* NUL-terminated */
    size_t len;
} cl_store_migration;

extern const cl_store_migration cl_store_migrations[];
extern const int cl_store_nmigrations;

#endif
